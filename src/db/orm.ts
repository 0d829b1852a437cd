// The MikroORM instance: configuration, migrations at start-up, and the
// PostgreSQL settings that keep a slow or stuck database from holding
// requests forever.
import { MikroORM, defineConfig, type Options } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import { entities } from "./entities/index.js";
import { migrationsList } from "./migrations/index.js";
import { databaseTarget } from "./connection-options.js";

export interface OrmOptions {
  url: string;
  caFile?: string | undefined;
  ca?: string | undefined;
  poolMax?: number;
  /** Where MikroORM's own messages (migrations applied, ...) go. */
  logger?: (message: string) => void;
  /**
   * Keep src/db/migrations/.snapshot.json (the CLI's baseline for the next
   * migration). Only the CLI: with it on, every start that applies a
   * migration would rewrite that file in the source tree.
   */
  snapshot?: boolean;
}

export function ormConfig(options: OrmOptions): Options {
  const target = databaseTarget(options.url, { file: options.caFile, pem: options.ca });
  return defineConfig({
    clientUrl: target.clientUrl,
    entities,
    extensions: [Migrator],
    // Entities are defined with defineEntity: nothing to discover at run time.
    discovery: { warnWhenNoEntities: true, requireEntitiesArray: true },
    // Request-scoped forks only: using the global EntityManager is a bug.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    logger: options.logger ?? (() => undefined),
    colors: false,
    pool: { min: 0, max: options.poolMax ?? 10, acquireTimeoutMillis: 3_000 },
    driverOptions: {
      connection: {
        ssl: target.ssl,
        connectionTimeoutMillis: 3_000,
        statement_timeout: 5_000,
        lock_timeout: 2_000,
        idle_in_transaction_session_timeout: 10_000,
        application_name: "auth-service",
      },
    },
    migrations: {
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: options.snapshot ?? false,
      snapshotName: ".snapshot",
      path: "src/db/migrations",
      pathTs: "src/db/migrations",
      emit: "ts",
      fileName: (timestamp, name) => `Migration${timestamp}${name ? `_${name}` : ""}`,
    },
  });
}

/** Connects (retrying briefly) and brings the schema up to date. */
export async function openDatabase(
  options: OrmOptions & { retries?: number; onRetry?: (attempt: number, error: unknown) => void },
): Promise<MikroORM> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      const orm = await MikroORM.init(ormConfig(options));
      try {
        await orm.getMigrator().up();
      } catch (error) {
        await orm.close(true);
        throw error;
      }
      return orm;
    } catch (error) {
      if (attempt >= retries || !isConnectionError(error)) throw error;
      options.onRetry?.(attempt + 1, error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 5_000)));
    }
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === "string" &&
    (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN"].includes(code) || code === "57P03")
  );
}

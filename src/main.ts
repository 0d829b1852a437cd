// Entry point: config -> database -> server -> graceful shutdown.
import type { MikroORM } from "@mikro-orm/postgresql";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { openDatabase } from "./db/orm.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded-postgres.js";
import { resolveSecrets } from "./security/dev-secrets.js";
import { signingKeysFromConfig, type SigningKeys } from "./security/signing-keys.js";
import { createAuthServer } from "./server/server.js";

/** How often the signing keys are re-read (a rotation takes effect within this). */
const KEY_RELOAD_INTERVAL_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const log = createLogger({ level: config.logLevel, pretty: config.env === "development" && process.stdout.isTTY });
  const secrets = resolveSecrets({ passwordPepper: config.password.pepper }, config.dataDir, (message) => log.warn(message));
  let signingKeys: SigningKeys;
  try {
    signingKeys = signingKeysFromConfig(config, { warn: (message) => log.warn(message) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.fatal(error.message);
    process.exit(2);
  }

  let embedded: EmbeddedDatabase | undefined;
  let url = config.database.url;
  if (url === undefined) {
    log.info({ dataDir: config.dataDir }, "DATABASE_URL not set: starting the embedded PostgreSQL");
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (line) => log.debug({ postgres: line }) });
    url = embedded.url;
  }

  let orm: MikroORM;
  try {
    orm = await openDatabase({
      url,
      caFile: config.database.caFile,
      ca: config.database.ca,
      poolMax: config.database.poolMax,
      retries: config.database.connectRetries,
      logger: (message) => log.info({ orm: message }, "database"),
      onRetry: (attempt, error) => log.warn({ attempt, err: describe(error) }, "database not reachable yet, retrying"),
    });
  } catch (error) {
    log.fatal(
      { err: describe(error) },
      "cannot open the database: check DATABASE_URL (host, port, credentials, database name) and its TLS settings (sslmode, DATABASE_CA_FILE)",
    );
    await embedded?.stop();
    process.exit(1);
  }

  const server = createAuthServer({ config, orm, log, secrets, signingKeys });
  const address = await server.listen();
  const scheme = config.tls ? "https" : "http";
  log.info({ address: `${scheme}://${address.address}:${address.port}` }, "auth service ready");

  // Key rotation needs no restart and no signal: new PEM files (or
  // `npm run keys:rotate` in development) are picked up here, and retired
  // development keys dropped.
  let keyProblem: string | undefined;
  const keyReload = setInterval(() => {
    try {
      if (signingKeys.reload()) {
        log.info({ kid: signingKeys.signer.kid, verifying: signingKeys.jwks().keys.map((k) => k.kid) }, "signing keys reloaded");
      }
      keyProblem = undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (message !== keyProblem) log.error({ err: describe(error) }, "signing keys not reloaded: keeping the previous ones");
      keyProblem = message;
    }
  }, KEY_RELOAD_INTERVAL_MS);
  keyReload.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: draining in-flight requests");
    clearInterval(keyReload);
    await server.close(config.shutdownGraceMs);
    await orm.close();
    await embedded?.stop();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** Error summaries for start-up logs: the message and code, never a connection string. */
function describe(error: unknown): { message: string; code?: string } {
  const err = error as { message?: string; code?: string };
  return { message: err.message ?? String(error), ...(err.code ? { code: err.code } : {}) };
}

await main();


// Starts the real server (createAuthServer, as in production) on a free port,
// on a fresh database of its own, with migrations applied.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { DestinationStream } from "pino";
import { inject } from "vitest";
import type { MikroORM } from "@mikro-orm/postgresql";
import { loadConfig, type Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { openDatabase } from "../../src/db/orm.js";
import { signingKeysFromConfig } from "../../src/security/signing-keys.js";
import { createAuthServer, type AuthServer } from "../../src/server/server.js";
import type { RevokeAllSessions } from "../../src/recovery/account-recovery.js";

export interface TestServer {
  baseUrl: string;
  port: number;
  config: Config;
  orm: MikroORM;
  server: AuthServer;
  databaseUrl: string;
  /** Runs SQL directly against this server's database (for assertions). */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = inject("adminDatabaseUrl");
  const name = `auth_test_${randomBytes(6).toString("hex")}`;
  await withClient(admin, (c) => c.query(`create database ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(admin, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

export interface TestServerOptions {
  /** Where the server's log lines go (default: discarded unless TEST_LOG_LEVEL is set). */
  logDestination?: DestinationStream;
  /** Use this database instead of creating one (it is not dropped on close). */
  databaseUrl?: string;
  /** Replaces the "revoke every session of a user" step of a password reset (default: the real sessions). */
  revokeAllSessions?: RevokeAllSessions;
}

/**
 * The server signs with a development key ring in its own data folder, as
 * `npm start` does on a fresh clone.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  now?: () => number,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "auth-data-"));
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    BCRYPT_COST: "4",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    PASSWORD_PEPPER: randomBytes(32).toString("base64url"),
    // Tests call far more often than a person would; the abuse tests set their own limits.
    RATE_LIMIT_PER_ADDRESS: "1000000/1m",
    RATE_LIMIT_LOGIN_PER_ADDRESS: "1000000/1m",
    RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "1000000/1m",
    RATE_LIMIT_REGISTER_PER_ADDRESS: "1000000/1m",
    RATE_LIMIT_REFRESH_PER_ADDRESS: "1000000/1m",
    ...env,
  });
  const { server, orm } = await startServer(config, now, options);
  const address = await server.listen();
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // Tests that stop PostgreSQL would otherwise see idle clients' errors as unhandled.
  pool.on("error", () => undefined);
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    port: address.port,
    config,
    orm,
    server,
    databaseUrl: database.url,
    sql: async (text, values) => (await pool.query(text, values)).rows,
    close: async () => {
      await server.close(1_000);
      await orm.close(true);
      await pool.end();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startServer(
  config: Config,
  now: (() => number) | undefined,
  options: Pick<TestServerOptions, "logDestination" | "revokeAllSessions"> = {},
) {
  const orm = await openDatabase({ url: config.database.url!, retries: 0 });
  const log = createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const server = createAuthServer({
    config,
    orm,
    log,
    secrets: { passwordPepper: config.password.pepper! },
    signingKeys: signingKeysFromConfig(config, now ? { now } : {}),
    ...(now ? { now } : {}),
    ...(options.revokeAllSessions ? { revokeAllSessions: options.revokeAllSessions } : {}),
  });
  return { server, orm };
}

/**
 * A second instance beside `t`: same configuration, database and key ring,
 * its own ORM and port, as two replicas behind a load balancer.
 */
export async function startPeerServer(
  t: TestServer,
  now?: () => number,
): Promise<{ baseUrl: string; server: AuthServer; close(): Promise<void> }> {
  // Its log goes nowhere unless TEST_LOG_LEVEL asks for it.
  const config = { ...t.config, logLevel: process.env.TEST_LOG_LEVEL ? t.config.logLevel : "silent" } as Config;
  const { server, orm } = await startServer(config, now);
  const address = await server.listen();
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    server,
    close: async () => {
      await server.close(1_000);
      await orm.close(true);
    },
  };
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

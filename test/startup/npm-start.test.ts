// `npm start` on a fresh clone: no DATABASE_URL, so an embedded PostgreSQL
// starts under the data folder; data survives a restart; SIGTERM exits 0.
// It runs what package.json's "start" runs (the compiled service that
// "prestart" builds), not the TypeScript sources.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

const dataDir = mkdtempSync(join(tmpdir(), "auth-start-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** package.json's "start": `node <flags> dist/server/src/main.js`. */
const startCommand = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } }).scripts.start.split(" ");
beforeAll(() => {
  // What "prestart" does first (the web build it also does is not needed here).
  const built = spawnSync(process.execPath, ["scripts/build-server.mjs"], { encoding: "utf8" });
  expect(built.stderr).toBe("");
  expect(built.status).toBe(0);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const cleanEnv = { ...process.env };
  delete cleanEnv.DATABASE_URL;
  delete cleanEnv.TEST_DATABASE_URL;
  expect(startCommand[0]).toBe("node");
  const child = spawn(process.execPath, startCommand.slice(1), {
    env: { ...cleanEnv, NODE_ENV: "development", BCRYPT_COST: "4", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function ready(s: Started): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (s.output().includes("auth service ready")) return;
    if (s.child.exitCode !== null) throw new Error(`exited early:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready in 20 s:\n${s.output()}`);
}

describe("npm start", () => {
  it("serves on a fresh data folder with an embedded PostgreSQL, keeps data across restarts, and stops cleanly", async () => {
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir };
    const account = newAccount("fresh");

    const rest = restDoor(`http://127.0.0.1:${port}`);
    const first = start(env);
    await ready(first);
    expect(first.output()).toContain("starting the embedded PostgreSQL");
    const { id } = await rest.register(account);
    const before = await rest.login(account);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');

    const second = start(env);
    await ready(second);
    // The development signing key and the sessions survive the restart.
    await rest.getProfile(id, before.accessToken);
    const session = await rest.refresh(before.refreshToken);
    expect(session.tokenType).toBe("bearer");

    // `npm run keys:rotate`: within 10 s the new key signs, and the old one still verifies.
    const rotate = spawnSync(process.execPath, ["--import", "tsx", "src/cli/keys.ts", "rotate"], {
      env: { ...process.env, DATA_DIR: dataDir },
      encoding: "utf8",
    });
    expect(rotate.status).toBe(0);
    for (let i = 0; i < 150 && !second.output().includes("signing keys reloaded"); i++) await new Promise((r) => setTimeout(r, 100));
    const rotated = await rest.login(account);
    const kid = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid as string;
    expect(kid(rotated.accessToken)).not.toBe(kid(session.accessToken));
    await rest.getProfile(id, session.accessToken);

    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
    // No secret reaches the log, even at start-up.
    for (const secret of [account.password, session.accessToken, session.refreshToken, before.refreshToken]) {
      expect(second.output()).not.toContain(secret);
    }
  }, 60_000);

  it("exits 1 with a message saying what to check when the database is unreachable", async () => {
    const s = start({ PORT: "0", DATA_DIR: dataDir, DATABASE_URL: "postgresql://nobody:secret-pw@127.0.0.1:1/nothing", DATABASE_CONNECT_RETRIES: "1" });
    expect(await s.exited).toBe(1);
    expect(s.output()).toContain("cannot open the database: check DATABASE_URL");
    expect(s.output()).not.toContain("secret-pw");
  }, 30_000);

  it("refuses to start in production without explicit secrets", async () => {
    const s = start({ NODE_ENV: "production", PORT: "0", DATA_DIR: dataDir });
    expect(await s.exited).toBe(2);
    expect(s.output()).toContain("JWT_SIGNING_KEY_FILE (or JWT_SIGNING_KEY) is required in production");
    expect(s.output()).toContain("PASSWORD_PEPPER is required in production");
  }, 30_000);
});

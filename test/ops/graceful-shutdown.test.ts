// SIGTERM under load: the process stops accepting, lets in-flight requests
// finish, closes the database and exits 0. Every request either completed
// or was refused cleanly, and no refused request left a row behind.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { generateSigningKey } from "../../src/security/signing-keys.js";
import { createTestDatabase } from "../support/test-server.js";
import { newAccount } from "../support/fixtures.js";

let database: { url: string; drop(): Promise<void> };
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

type Outcome = { email: string; result: "ok" | "refused" | "unavailable" | "other"; detail?: string };

it("drains in-flight requests on SIGTERM, refuses the rest cleanly and exits 0", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "test",
      PORT: String(port),
      DATABASE_URL: database.url,
      JWT_SIGNING_KEY: generateSigningKey().pem,
      PASSWORD_PEPPER: randomBytes(32).toString("hex"),
      BCRYPT_COST: "8",
      SHUTDOWN_GRACE_MS: "15000",
      LOG_LEVEL: "info",
      // The load comes from one address; rate limits are not under test here.
      RATE_LIMIT_PER_ADDRESS: "1000000/1m",
      RATE_LIMIT_REGISTER_PER_ADDRESS: "1000000/1m",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  for (let i = 0; i < 200 && !output.includes("auth service ready"); i++) await new Promise((r) => setTimeout(r, 100));
  expect(output).toContain("auth service ready");

  const baseUrl = `http://127.0.0.1:${port}`;
  const outcomes: Outcome[] = [];
  let stopped = false;
  void exited.then(() => (stopped = true));

  const restWorker = async () => {
    while (!stopped) {
      const account = newAccount("drain");
      try {
        const res = await fetch(`${baseUrl}/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(account),
        });
        const status = res.status;
        await res.arrayBuffer();
        outcomes.push({ email: account.email, result: status === 200 ? "ok" : status === 503 ? "unavailable" : "other", detail: String(status) });
      } catch (error) {
        // The connection was refused or closed before an answer: the request was never taken.
        outcomes.push({ email: account.email, result: "refused", detail: String((error as Error).cause ?? error) });
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const client = createClient(AuthService, createGrpcTransport({ baseUrl }));
  const grpcWorker = async () => {
    while (!stopped) {
      const account = newAccount("drain");
      try {
        await client.register(account);
        outcomes.push({ email: account.email, result: "ok" });
      } catch (error) {
        const { code, rawMessage } = ConnectError.from(error);
        // After GOAWAY, new streams are reset with REFUSED_STREAM, which HTTP/2
        // guarantees were not processed (connect-node reports it as internal).
        const refused = code === Code.Unavailable || rawMessage.includes("REFUSED_STREAM");
        outcomes.push({ email: account.email, result: refused ? "refused" : "other", detail: `${Code[code]}: ${rawMessage}` });
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };

  const load = Promise.all([...Array(6)].map(restWorker).concat([...Array(4)].map(grpcWorker)));
  // Signal once the load is really flowing (the machine may be slow).
  for (let i = 0; i < 300 && outcomes.filter((o) => o.result === "ok").length < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const okBeforeSignal = outcomes.filter((o) => o.result === "ok").length;
  child.kill("SIGTERM");
  const code = await exited;
  await load;

  expect(code, output.slice(-3000)).toBe(0);
  expect(output).toContain("shutting down");
  expect(output).toContain('"msg":"stopped"');
  expect(okBeforeSignal).toBeGreaterThan(0);
  expect(outcomes.filter((o) => o.result === "other")).toEqual([]);

  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const rows = new Set((await db.query<{ email: string }>("select email from users")).rows.map((r) => r.email));
  await db.end();
  // Every answered success was written; nothing refused was.
  for (const o of outcomes.filter((o) => o.result === "ok")) expect(rows.has(o.email)).toBe(true);
  for (const o of outcomes.filter((o) => o.result !== "ok")) expect(rows.has(o.email), `${o.result} ${o.detail}`).toBe(false);
}, 60_000);

// The database goes away under a running server: requests fail fast with
// unavailable, nothing written before is lost, and the service recovers by
// itself when the database returns.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded-postgres.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

const dataDir = mkdtempSync(join(tmpdir(), "auth-outage-"));
let pg: EmbeddedDatabase;
let port: number;
let t: TestServer;

beforeAll(async () => {
  pg = await startEmbeddedPostgres({ dataDir });
  port = Number(new URL(pg.url).port);
  t = await startTestServer({}, undefined, { databaseUrl: pg.url });
});
afterAll(async () => {
  await t?.close();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it("answers unavailable while PostgreSQL is down, without leaking internals, and recovers with data intact", async () => {
  const [grpc, , , , , rest] = doors(t.baseUrl);
  const account = newAccount();
  const { id } = await rest!.register(account);
  const { accessToken } = await grpc!.login(account);

  await pg.stop();
  for (const door of [grpc!, rest!]) {
    const err = await failure(door.getProfile(id, accessToken));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.reason).toBe("ERROR_REASON_SERVICE_UNAVAILABLE");
    expect(err.message).toMatch(/^the service is temporarily unavailable, retry later \(request id [\w-]+\)$/);
    expect(err.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|select|postgres/i);
  }
  expect((await failure(rest!.register(newAccount()))).code).toBe(Code.Unavailable);

  pg = await startEmbeddedPostgres({ dataDir, port });
  const profile = await grpc!.getProfile(id, accessToken);
  expect(profile.email).toBe(account.email);
  await rest!.login(account);
});

it("answers unavailable when a lock holds the table past lock_timeout, then works again", async () => {
  const [grpc] = doors(t.baseUrl);
  const account = newAccount();
  await grpc!.register(account);
  const locker = new (await import("pg")).default.Client({ connectionString: pg.url.replace(/\/auth$/, "/auth") });
  await locker.connect();
  try {
    await locker.query("begin; lock table users in access exclusive mode");
    const err = await failure(grpc!.register(newAccount()));
    expect(err.code).toBe(Code.Unavailable);
    await locker.query("rollback");
    await grpc!.register(newAccount());
  } finally {
    await locker.end();
  }
});

// The session check behind every authenticated call: answered from memory
// for SESSION_CHECK_CACHE_SECONDS, one query for all concurrent checks of a
// session, and never re-caching a session as active across a revocation made
// by this instance. Queries go to the real database; the wrapper only counts
// them or holds their answer back.
import { afterAll, beforeAll, expect, it } from "vitest";
import jwt from "jsonwebtoken";
import { preparedStatementRunner, type RunPrepared } from "../../src/db/prepared-statements.js";
import { doors } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let clock = Date.now();
let t: TestServer;
let real: RunPrepared;
beforeAll(async () => {
  t = await startTestServer({ SESSION_CHECK_CACHE_SECONDS: "5" }, () => clock);
  real = preparedStatementRunner(t.orm);
});
afterAll(() => t?.close());

async function signedIn() {
  const [grpc] = doors(t.baseUrl);
  const account = newAccount("check");
  const { id } = await grpc!.register(account);
  const tokens = await grpc!.login(account);
  return { grpc: grpc!, id, tokens, sessionId: (jwt.decode(tokens.accessToken) as { sid: string }).sid };
}

function counting(): RunPrepared & { calls: number } {
  const query = (async (statement, values) => {
    query.calls++;
    return real(statement, values);
  }) as RunPrepared & { calls: number };
  query.calls = 0;
  return query;
}

it("asks the database once for 50 concurrent checks of one session, then not again until the cache time has passed", async () => {
  const { sessionId } = await signedIn();
  const query = counting();
  clock += 60_000;
  const first = await Promise.all(Array.from({ length: 50 }, () => t.server.sessions.isActive(query, sessionId)));
  expect(first.every(Boolean)).toBe(true);
  expect(query.calls).toBe(1);

  clock += 4_000;
  await Promise.all(Array.from({ length: 50 }, () => t.server.sessions.isActive(query, sessionId)));
  expect(query.calls).toBe(1);

  clock += 2_000;
  await Promise.all(Array.from({ length: 50 }, () => t.server.sessions.isActive(query, sessionId)));
  expect(query.calls).toBe(2);
});

it("sees a revocation made elsewhere (another instance) once the cache time has passed", async () => {
  const { sessionId } = await signedIn();
  const query = counting();
  clock += 60_000;
  expect(await t.server.sessions.isActive(query, sessionId)).toBe(true);
  await t.sql("update sessions set revoked_at = now(), revoked_reason = 'revoked' where id = $1", [sessionId]);
  expect(await t.server.sessions.isActive(query, sessionId)).toBe(true);
  clock += 5_001;
  expect(await t.server.sessions.isActive(query, sessionId)).toBe(false);
});

it("does not cache what a check read before a logout made here: the next check asks again and finds it ended", async () => {
  const { id, sessionId } = await signedIn();
  clock += 60_000;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const slow = (async (statement, values) => {
    const rows = await real(statement, values);
    await held;
    return rows;
  }) as RunPrepared;

  // The check reads the session while it is live, and answers only after the logout.
  const inFlight = t.server.sessions.isActive(slow, sessionId);
  await new Promise((resolve) => setTimeout(resolve, 50));
  // The logout's own domain call: over a door its access-token check would wait for the held one.
  await t.server.sessions.logout(t.orm.em.fork(), id, sessionId, { clientAddress: "127.0.0.1", userAgent: "test", requestId: "r" });
  release();
  expect(await inFlight).toBe(true);

  const query = counting();
  expect(await t.server.sessions.isActive(query, sessionId)).toBe(false);
  expect(query.calls).toBe(1);
});

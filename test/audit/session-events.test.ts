// Session events in the security log: a reused refresh token, and every way
// a session ends, each readable by the account's owner on every door.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import jwt from "jsonwebtoken";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  // No grace window: a second use of a refresh token is reuse at once.
  t = await startTestServer({ REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0", SESSIONS_PER_USER_MAX: "3" });
});
afterAll(() => t?.close());

const sessionOf = (accessToken: string) => (jwt.decode(accessToken) as { sid: string }).sid;
const LOGIN = "SECURITY_EVENT_TYPE_LOGIN";

/** The account's log, newest first, as [type, outcome], sign-ins left out. */
async function log(door: Door, id: string, accessToken: string) {
  const page = await door.listSecurityEvents({ id, pageSize: 100 }, accessToken);
  return page.events.filter((e) => e.type !== LOGIN);
}

describe.each(doors("http://placeholder").map((d) => d.name))("over %s", (name) => {
  let door: Door;
  beforeAll(() => {
    door = doors(t.baseUrl).find((d) => d.name === name)!;
  });

  it("records a reused refresh token (blocked) although the call fails, then each ended session", async () => {
    const account = newAccount();
    const { id } = await door.register(account);
    const stolen = await door.login(account);
    const other = await door.login(account);

    await door.refresh(stolen.refreshToken);
    expect((await failure(door.refresh(stolen.refreshToken))).code).toBe(Code.Unauthenticated);
    const third = await door.login(account);
    await door.revokeSession(sessionOf(third.accessToken), other.accessToken);
    await door.logout(other.accessToken);
    const last = await door.login(account);
    expect((await door.logoutAll(last.accessToken)).sessionsEnded).toBe(1);

    const reader = await door.login(account);
    const events = await log(door, id, reader.accessToken);
    // Which session, and why it ended.
    expect(events.map((e) => [e.type, e.outcome, e.sessionId, e.sessionEndReason])).toEqual([
      ["SECURITY_EVENT_TYPE_ALL_SESSIONS_REVOKED", "SECURITY_EVENT_OUTCOME_SUCCESS", "", "SESSION_END_REASON_LOGOUT_ALL"],
      ["SECURITY_EVENT_TYPE_SESSION_REVOKED", "SECURITY_EVENT_OUTCOME_SUCCESS", sessionOf(other.accessToken), "SESSION_END_REASON_LOGOUT"],
      ["SECURITY_EVENT_TYPE_SESSION_REVOKED", "SECURITY_EVENT_OUTCOME_SUCCESS", sessionOf(third.accessToken), "SESSION_END_REASON_REVOKED"],
      ["SECURITY_EVENT_TYPE_REFRESH_TOKEN_REUSED", "SECURITY_EVENT_OUTCOME_BLOCKED", sessionOf(stolen.accessToken), "SESSION_END_REASON_REFRESH_TOKEN_REUSED"],
      ["SECURITY_EVENT_TYPE_ACCOUNT_CREATED", "SECURITY_EVENT_OUTCOME_SUCCESS", "", "SESSION_END_REASON_UNSPECIFIED"],
    ]);
    // From where: the client that did it.
    for (const event of events) expect(event.clientAddress).toMatch(/127\.0\.0\.1$/);
    // Each successful sign-in names the session it started.
    const signIns = (await door.listSecurityEvents({ id, pageSize: 100 }, reader.accessToken)).events.filter((e) => e.type === LOGIN);
    expect(signIns.map((e) => [e.outcome, e.sessionId, e.sessionEndReason])).toEqual(
      [reader, last, third, other, stolen].map((s) => ["SECURITY_EVENT_OUTCOME_SUCCESS", sessionOf(s.accessToken), "SESSION_END_REASON_UNSPECIFIED"]),
    );
  });
});

it("a password change that ends the other sessions records it with the change; with none to end, nothing", async () => {
  const [grpc] = doors(t.baseUrl);
  const account = newAccount();
  const { id } = await grpc!.register(account);
  const mine = await grpc!.login(account);
  await grpc!.updateProfile({ id, password: "the first new long passphrase" }, mine.accessToken);
  expect((await log(grpc!, id, mine.accessToken)).map((e) => e.type)).toEqual([
    "SECURITY_EVENT_TYPE_PASSWORD_CHANGED",
    "SECURITY_EVENT_TYPE_ACCOUNT_CREATED",
  ]);

  await grpc!.login({ ...account, password: "the first new long passphrase" });
  await grpc!.updateProfile({ id, password: "the second new long passphrase" }, mine.accessToken);
  const events = await log(grpc!, id, mine.accessToken);
  // One transaction: the two rows' order is a tie.
  expect(events.slice(0, 2).map((e) => [e.type, e.sessionEndReason]).sort()).toEqual([
    ["SECURITY_EVENT_TYPE_ALL_SESSIONS_REVOKED", "SESSION_END_REASON_PASSWORD_CHANGED"],
    ["SECURITY_EVENT_TYPE_PASSWORD_CHANGED", "SESSION_END_REASON_UNSPECIFIED"],
  ]);
  expect(events).toHaveLength(4);
});

it("a sign-in over the session cap records the oldest session's end, naming it", async () => {
  const [grpc] = doors(t.baseUrl);
  const account = newAccount();
  const { id } = await grpc!.register(account);
  const first = await grpc!.login(account);
  for (let i = 0; i < 2; i++) await grpc!.login(account);
  expect(await t.sql("select type from audit_events where user_id = $1 and type = 'session_revoked'", [id])).toEqual([]);
  const fourth = await grpc!.login(account);
  expect((await log(grpc!, id, fourth.accessToken)).map((e) => [e.type, e.outcome, e.sessionId, e.sessionEndReason])).toEqual([
    ["SECURITY_EVENT_TYPE_SESSION_REVOKED", "SECURITY_EVENT_OUTCOME_SUCCESS", sessionOf(first.accessToken), "SESSION_END_REASON_SESSION_LIMIT"],
    ["SECURITY_EVENT_TYPE_ACCOUNT_CREATED", "SECURITY_EVENT_OUTCOME_SUCCESS", "", "SESSION_END_REASON_UNSPECIFIED"],
  ]);
});

it("revoking a session that has already ended records nothing more", async () => {
  const [grpc] = doors(t.baseUrl);
  const account = newAccount();
  const { id } = await grpc!.register(account);
  const mine = await grpc!.login(account);
  const ended = await grpc!.login(account);
  await grpc!.revokeSession(sessionOf(ended.accessToken), mine.accessToken);
  expect((await failure(grpc!.revokeSession(sessionOf(ended.accessToken), mine.accessToken))).code).toBe(Code.NotFound);
  const rows = await t.sql("select type from audit_events where user_id = $1 and type = 'session_revoked'", [id]);
  expect(rows).toHaveLength(1);
});

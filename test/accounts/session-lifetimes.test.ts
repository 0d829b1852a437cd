// TK-09 and the per-user cap: idle expiry that slides on use, an absolute
// maximum, at most N active sessions per user, and ended sessions pruned.
// Short lifetimes on a test clock, so nothing sleeps.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import jwt from "jsonwebtoken";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { failure, restDoor, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let clock = Date.now();
let t: TestServer;
let door: Door;
beforeAll(async () => {
  t = await startTestServer(
    {
      ACCESS_TOKEN_TTL_SECONDS: "60",
      REFRESH_TOKEN_TTL_SECONDS: "120",
      SESSION_MAX_LIFETIME_SECONDS: "360",
      SESSIONS_PER_USER_MAX: "3",
    },
    () => clock,
  );
  door = restDoor(t.baseUrl);
});
afterAll(() => t?.close());

const sessionOf = (accessToken: string) => (jwt.decode(accessToken) as { sid: string }).sid;
async function signedIn() {
  const account = newAccount();
  await door.register(account);
  return { account, tokens: await door.login(account) };
}

it("ends a session left idle longer than the refresh-token lifetime", async () => {
  const { tokens } = await signedIn();
  expect(tokens.refreshExpiresIn).toBe(120);
  clock += 121_000;
  expect(await failure(door.refresh(tokens.refreshToken))).toMatchObject({
    code: Code.Unauthenticated,
    reason: "ERROR_REASON_REFRESH_TOKEN_EXPIRED",
    message: "refresh token expired: sign in again",
  });
});

it("slides the idle limit on each refresh, but never past the absolute maximum", async () => {
  let { tokens } = await signedIn();
  const lifetimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    clock += 100_000;
    tokens = await door.refresh(tokens.refreshToken);
    lifetimes.push(tokens.refreshExpiresIn);
  }
  // At 100 s and 200 s a full 120 s; at 300 s only the 60 s left of 360.
  expect(lifetimes).toEqual([120, 120, 60]);
  clock += 61_000;
  expect(await failure(door.refresh(tokens.refreshToken))).toMatchObject({ reason: "ERROR_REASON_REFRESH_TOKEN_EXPIRED" });
});

it("keeps at most 3 active sessions per user: a fourth login ends the oldest", async () => {
  const { account, tokens: oldest } = await signedIn();
  const rest = [];
  for (let i = 0; i < 3; i++) {
    clock += 1_000;
    rest.push(await door.login(account));
  }
  const listed = await door.listSessions(rest[2]!.accessToken);
  expect(listed.map((s) => s.id)).toEqual(rest.map((r) => sessionOf(r.accessToken)).reverse());
  expect(await failure(door.refresh(oldest.refreshToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
  const [row] = await t.sql<{ revoked_reason: string }>("select revoked_reason from sessions where id = $1", [
    sessionOf(oldest.accessToken),
  ]);
  expect(row?.revoked_reason).toBe("evicted");
});

it("prunes ended sessions (and their tokens) at a later login", async () => {
  const { tokens } = await signedIn();
  const sessionId = sessionOf(tokens.accessToken);
  await door.refresh(tokens.refreshToken);
  clock += 400_000;
  await signedIn();
  expect(await t.sql("select id from sessions where id = $1", [sessionId])).toEqual([]);
  expect(await t.sql("select id from refresh_tokens where session_id = $1", [sessionId])).toEqual([]);
  expect((await failure(door.refresh(tokens.refreshToken))).reason).toBe("ERROR_REASON_REFRESH_TOKEN_INVALID");
});

// Sessions over every door: refresh with rotation, reuse detection, logout,
// logout-all, listing and revoking sessions, and a password change ending the
// other sessions. The server runs on a test clock, so grace windows pass
// without sleeping.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import jwt from "jsonwebtoken";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure, type Door, type Tokens } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let clock = Date.now();
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({}, () => clock);
});
afterAll(() => t?.close());

/** Past the 5 s reuse grace window (the access tokens stay valid). */
const afterGrace = () => (clock += 6_000);
const sessionOf = (tokens: Tokens) => (jwt.decode(tokens.accessToken) as { sid: string }).sid;

describe.each(doors("http://placeholder").map((d) => d.name))("over %s", (name) => {
  let door: Door;
  beforeAll(() => {
    door = doors(t.baseUrl).find((d) => d.name === name)!;
  });

  async function signedIn() {
    const account = newAccount();
    const { id } = await door.register(account);
    return { account, id, tokens: await door.login(account) };
  }

  it("rotates the refresh token on every use and keeps the session", async () => {
    const { id, tokens } = await signedIn();
    const next = await door.refresh(tokens.refreshToken);
    expect(next).toMatchObject({ tokenType: "bearer", expiresIn: 900, refreshExpiresIn: 30 * 86_400 });
    expect(next.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect(sessionOf(next)).toBe(sessionOf(tokens));
    await door.getProfile(id, next.accessToken);
    await door.refresh(next.refreshToken);
    // Only digests are stored.
    const rows = await t.sql<{ token_hash: string }>(
      "select token_hash from refresh_tokens where session_id = $1",
      [sessionOf(tokens)],
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await t.sql("select * from refresh_tokens"))).not.toContain(next.refreshToken);
  });

  it("hands a retry within the grace window the same successor, and ends nothing", async () => {
    const { id, tokens } = await signedIn();
    const first = await door.refresh(tokens.refreshToken);
    clock += 2_000;
    const retry = await door.refresh(tokens.refreshToken);
    expect(retry.refreshToken).toBe(first.refreshToken);
    expect(sessionOf(retry)).toBe(sessionOf(tokens));
    await door.getProfile(id, retry.accessToken);
    await door.refresh(first.refreshToken);
  });

  it("after three rotations, replaying the first token ends the family: the latest token and the access tokens fail too", async () => {
    const { id, tokens } = await signedIn();
    const r1 = await door.refresh(tokens.refreshToken);
    const r2 = await door.refresh(r1.refreshToken);
    const r3 = await door.refresh(r2.refreshToken);
    afterGrace();

    expect(await failure(door.refresh(tokens.refreshToken))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_REFRESH_TOKEN_REUSED",
      message: "refresh token already used: the session has been ended for safety, sign in again",
    });
    expect(await failure(door.refresh(r3.refreshToken))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_SESSION_REVOKED",
      message: "session ended: sign in again",
    });
    for (const access of [tokens.accessToken, r3.accessToken]) {
      expect(await failure(door.getProfile(id, access))).toMatchObject({
        code: Code.Unauthenticated,
        reason: "ERROR_REASON_SESSION_REVOKED",
      });
    }
    const [session] = await t.sql<{ revoked_reason: string }>("select revoked_reason from sessions where id = $1", [sessionOf(tokens)]);
    expect(session?.revoked_reason).toBe("token_reuse");
    // A fresh login is a new family and works.
    await door.refresh((await door.login((await signedIn()).account)).refreshToken);
  });

  it("refuses tokens that are not refresh tokens of ours", async () => {
    const { tokens } = await signedIn();
    expect(await failure(door.refresh("A".repeat(43)))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_REFRESH_TOKEN_INVALID",
      message: "invalid refresh token: sign in again",
    });
    // An access token is no refresh token (nor the other way round).
    expect(await failure(door.refresh(tokens.accessToken))).toMatchObject({
      code: Code.InvalidArgument,
      violations: [{ field: "refresh_token", description: "refresh token must be at most 128 characters" }],
    });
    expect(await failure(door.listSessions(tokens.refreshToken))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_ACCESS_TOKEN_INVALID",
    });
    expect(await failure(door.refresh(""))).toMatchObject({
      code: Code.InvalidArgument,
      violations: [{ field: "refresh_token", description: "refresh token is required" }],
    });
  });

  it("lists the caller's active sessions, newest first, marking the current one", async () => {
    const { account, tokens: first } = await signedIn();
    clock += 1_000;
    const second = await door.login(account);
    const sessions = await door.listSessions(second.accessToken);
    expect(sessions.map((s) => s.id)).toEqual([sessionOf(second), sessionOf(first)]);
    expect(sessions.map((s) => s.current)).toEqual([true, false]);
    for (const s of sessions) {
      expect(s.clientAddress).toMatch(/127\.0\.0\.1$/);
      expect(s.userAgent).not.toBe("");
      expect(s.expiresAt.getTime() - s.lastUsedAt.getTime()).toBe(30 * 86_400 * 1000);
    }
    // Another user sees only their own.
    const other = await signedIn();
    expect((await door.listSessions(other.tokens.accessToken)).map((s) => s.id)).toEqual([sessionOf(other.tokens)]);
  });

  it("revokes one session: its tokens stop at once, the others go on", async () => {
    const { id, account, tokens: laptop } = await signedIn();
    const phone = await door.login(account);
    await door.revokeSession(sessionOf(phone), laptop.accessToken);

    expect(await failure(door.getProfile(id, phone.accessToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
    expect(await failure(door.refresh(phone.refreshToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
    expect((await door.listSessions(laptop.accessToken)).map((s) => s.id)).toEqual([sessionOf(laptop)]);
    await door.refresh(laptop.refreshToken);

    const again = await failure(door.revokeSession(sessionOf(phone), laptop.accessToken));
    expect(again).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_SESSION_NOT_FOUND", message: "no active session with this id" });
    // Someone else's session is "not found" too, and stays alive.
    const other = await signedIn();
    expect(await failure(door.revokeSession(sessionOf(other.tokens), laptop.accessToken))).toEqual(again);
    await door.refresh(other.tokens.refreshToken);
    expect(await failure(door.revokeSession("not-a-uuid", laptop.accessToken))).toMatchObject({
      code: Code.InvalidArgument,
      violations: [{ field: "id", description: "id must be a UUID" }],
    });
  });

  it("logs out: the session's access and refresh tokens stop at once", async () => {
    const { id, account, tokens } = await signedIn();
    const elsewhere = await door.login(account);
    await door.logout(tokens.accessToken);
    expect(await failure(door.getProfile(id, tokens.accessToken))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_SESSION_REVOKED",
    });
    expect(await failure(door.refresh(tokens.refreshToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
    expect(await failure(door.logout(tokens.accessToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
    await door.getProfile(id, elsewhere.accessToken);
    expect(await failure(door.logout())).toMatchObject({ reason: "ERROR_REASON_ACCESS_TOKEN_MISSING" });
  });

  it("logs out everywhere", async () => {
    const { id, account, tokens } = await signedIn();
    const others = [await door.login(account), await door.login(account)];
    const bystander = await signedIn();
    expect(await door.logoutAll(others[0]!.accessToken)).toEqual({ sessionsEnded: 3 });
    for (const session of [tokens, ...others]) {
      expect(await failure(door.getProfile(id, session.accessToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
      expect(await failure(door.refresh(session.refreshToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
    }
    await door.refresh(bystander.tokens.refreshToken);
  });

  it("ends every other session when the password changes, and keeps the caller's", async () => {
    const { id, account, tokens: here } = await signedIn();
    const there = await door.login(account);
    await door.updateProfile({ id, password: "a brand new passphrase" }, here.accessToken);

    expect(await failure(door.refresh(there.refreshToken))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_SESSION_REVOKED",
    });
    expect(await failure(door.getProfile(id, there.accessToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
    await door.getProfile(id, here.accessToken);
    const next = await door.refresh(here.refreshToken);
    expect((await door.listSessions(next.accessToken)).map((s) => s.id)).toEqual([sessionOf(here)]);
    const [row] = await t.sql<{ revoked_reason: string }>("select revoked_reason from sessions where id = $1", [sessionOf(there)]);
    expect(row?.revoked_reason).toBe("password_changed");

    // Changing only the name ends nothing.
    const third = await door.login({ email: account.email, password: "a brand new passphrase" });
    await door.updateProfile({ id, user: `${account.user}-2` }, here.accessToken);
    await door.refresh(third.refreshToken);
  });
});

// TK-05 with the real wiring: a password reset ends every session of the
// account (in the reset's transaction), so refresh and access tokens taken
// before it stop at once.
import { afterAll, beforeAll, expect, it } from "vitest";
import jwt from "jsonwebtoken";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startMailServer, linkToken, type MailServer } from "../support/mail-server.js";
import { failure, restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
let smtp: MailServer;
beforeAll(async () => {
  smtp = await startMailServer();
  t = await startTestServer({ SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: "50", RECOVERY_MAIL_INTERVAL_SECONDS: "0" });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

it("ends every session of the account: their refresh and access tokens stop at once", async () => {
  const door = restDoor(t.baseUrl);
  const account = newAccount();
  const { id } = await door.register(account);
  const sessions = [await door.login(account), await door.login(account)];

  await door.requestPasswordReset(account.email);
  const { token } = linkToken(await smtp.waitFor(account.email, /^Reset your/), "/password-reset");
  await door.resetPassword({ token, newPassword: "a brand new passphrase" });

  for (const session of sessions) {
    expect(await failure(door.refresh(session.refreshToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
    expect(await failure(door.getProfile(id, session.accessToken))).toMatchObject({ reason: "ERROR_REASON_SESSION_REVOKED" });
  }
  const sids = sessions.map((s) => (jwt.decode(s.accessToken) as { sid: string }).sid);
  const rows = await t.sql<{ revoked_reason: string }>("select revoked_reason from sessions where id = any($1)", [sids]);
  expect(rows.map((r) => r.revoked_reason)).toEqual(["password_reset", "password_reset"]);
  // The account's security log says so, with the reset, from the client that reset it.
  const events = await t.sql<{ type: string; outcome: string; client_address: string; session_end_reason: string | null }>(
    "select type, outcome, client_address, session_end_reason from audit_events where user_id = $1 and type in ('password_reset', 'all_sessions_revoked') order by type",
    [id],
  );
  const from = expect.stringMatching(/127\.0\.0\.1$/);
  expect(events).toEqual([
    { type: "all_sessions_revoked", outcome: "success", client_address: from, session_end_reason: "password_reset" },
    { type: "password_reset", outcome: "success", client_address: from, session_end_reason: null },
  ]);
  // The new password starts a new session.
  await door.refresh((await door.login({ email: account.email, password: "a brand new passphrase" })).refreshToken);
});

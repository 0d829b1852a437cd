// Email verification end to end: registration mails a link through a real
// SMTP server, and the token read out of it is redeemed through the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startMailServer, linkToken, type MailServer } from "../support/mail-server.js";
import { failure } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

const VERIFY = /^Confirm your email address/;
let t: TestServer;
let smtp: MailServer;
let clients: ReturnType<typeof connect>;

function connect(baseUrl: string) {
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1" });
  return {
    auth: createClient(AuthService, transport),
    profiles: createClient(ProfileService, transport),
    recovery: createClient(AccountRecoveryService, transport),
  };
}
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  smtp = await startMailServer();
  t = await startTestServer({
    SMTP_URL: smtp.url,
    MAIL_POLL_INTERVAL_MS: "50",
    PUBLIC_BASE_URL: "https://accounts.example.test/app",
    PRODUCT_NAME: "Example Accounts",
    RECOVERY_MAIL_INTERVAL_SECONDS: "0",
  });
  clients = connect(t.baseUrl);
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

async function registered() {
  const account = newAccount();
  const { id } = await clients.auth.register(account);
  const session = await clients.auth.login(account);
  return { ...account, id, accessToken: session.accessToken };
}

describe("email verification", () => {
  it("registration mails a link; confirming it marks the address verified, once", async () => {
    const a = await registered();
    const before = await clients.profiles.getProfile({ id: a.id }, bearer(a.accessToken));
    expect(before.profile?.emailVerified).toBe(false);

    const mail = await smtp.waitFor(a.email, VERIFY);
    expect(mail.subject).toBe("Confirm your email address for Example Accounts");
    const { link, token } = linkToken(mail, "/verify-email");
    expect(link.startsWith("https://accounts.example.test/app/verify-email?token=")).toBe(true);
    expect(token).toHaveLength(43);

    expect(await clients.recovery.confirmEmail({ token })).toMatchObject({ message: "email address verified" });
    const after = await clients.profiles.getProfile({ id: a.id }, bearer(a.accessToken));
    expect(after.profile?.emailVerified).toBe(true);

    // A second click: success again, saying so, and nothing changes (no second security event).
    const events = () =>
      t.sql("select type from audit_events where user_id = $1 and type = 'email_verified'", [a.id]).then((rows) => rows.length);
    const verifiedAt = () => t.sql("select email_verified_at from users where id = $1", [a.id]);
    const [eventsBefore, timeBefore] = [await events(), await verifiedAt()];
    expect(eventsBefore).toBe(1);
    expect(await clients.recovery.confirmEmail({ token })).toMatchObject({
      message: "email address already verified",
      alreadyVerified: true,
    });
    expect(await events()).toBe(1);
    expect(await verifiedAt()).toEqual(timeBefore);
  });

  it("a spent link no longer confirms once the account has moved to another address", async () => {
    const a = await registered();
    const { token } = linkToken(await smtp.waitFor(a.email, VERIFY), "/verify-email");
    expect(await clients.recovery.confirmEmail({ token })).toMatchObject({ alreadyVerified: false });
    await clients.profiles.updateProfile({ id: a.id, email: `moved.${a.email}` }, bearer(a.accessToken));
    const reused = await failure(clients.recovery.confirmEmail({ token }));
    expect(reused).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_TOKEN_INVALID" });
    expect(reused.message).toBe("this link is invalid or has expired; ask for a new one");
  });

  it("stores only a SHA-256 digest of the token, and the outbox forgets the token once sent", async () => {
    const a = await registered();
    const { token } = linkToken(await smtp.waitFor(a.email, VERIFY), "/verify-email");
    const rows = await t.sql<{ token_hash: string }>(
      "select token_hash from one_time_tokens t join users u on u.id = t.user_id where u.email = $1",
      [a.email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    await expect.poll(async () =>
      (await t.sql("select payload, sent_at from email_outbox where recipient = $1", [a.email]))[0],
    ).toMatchObject({ payload: null, sent_at: expect.any(Date) });
  });

  it("resend replaces the earlier link: the old token stops working, the new one works", async () => {
    const a = await registered();
    const first = linkToken(await smtp.waitFor(a.email, VERIFY), "/verify-email").token;
    await clients.recovery.resendVerification({}, bearer(a.accessToken));
    await expect.poll(() => smtp.to(a.email).length).toBe(2);
    const second = linkToken(smtp.to(a.email)[1]!, "/verify-email").token;
    expect(second).not.toBe(first);

    expect(await failure(clients.recovery.confirmEmail({ token: first }))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_TOKEN_INVALID",
    });
    await clients.recovery.confirmEmail({ token: second });
  });

  it("resend needs an access token", async () => {
    expect(await failure(clients.recovery.resendVerification({}))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_ACCESS_TOKEN_MISSING",
    });
  });

  it("a verification token is no password-reset token (wrong purpose), and an unknown token is the same error", async () => {
    const a = await registered();
    const { token } = linkToken(await smtp.waitFor(a.email, VERIFY), "/verify-email");
    const wrong = await failure(clients.recovery.resetPassword({ token, newPassword: "a brand new password" }));
    expect(wrong).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_TOKEN_INVALID" });
    const unknown = await failure(clients.recovery.confirmEmail({ token: "x".repeat(43) }));
    expect(unknown).toEqual(await failure(clients.recovery.confirmEmail({ token: "y".repeat(43) })));
    // The verification token was not spent by the wrong-purpose attempt.
    await clients.recovery.confirmEmail({ token });
  });

  it("changing the email clears verification and mails the new address; the old address's token is void", async () => {
    const a = await registered();
    const old = linkToken(await smtp.waitFor(a.email, VERIFY), "/verify-email").token;
    const newEmail = newAccount().email;
    const updated = await clients.profiles.updateProfile({ id: a.id, email: newEmail }, bearer(a.accessToken));
    expect(updated.profile?.emailVerified).toBe(false);
    const fresh = linkToken(await smtp.waitFor(newEmail, VERIFY), "/verify-email").token;
    expect(await failure(clients.recovery.confirmEmail({ token: old }))).toMatchObject({ reason: "ERROR_REASON_TOKEN_INVALID" });
    await clients.recovery.confirmEmail({ token: fresh });
    const events = await clients.profiles.listSecurityEvents({ id: a.id }, bearer(a.accessToken));
    expect(events.events.map((e) => e.type)).toContain(6 /* EMAIL_VERIFIED */);
  });

  it("is reachable over REST at POST /verify-email", async () => {
    const a = await registered();
    const { token } = linkToken(await smtp.waitFor(a.email, VERIFY), "/verify-email");
    const res = await fetch(`${t.baseUrl}/verify-email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "email address verified", already_verified: false });
    const again = await fetch(`${t.baseUrl}/verify-email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ message: "email address already verified", already_verified: true });
    const unknown = await fetch(`${t.baseUrl}/verify-email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: "x".repeat(43) }),
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: "failed_precondition" });
  });
});

describe("with short lifetimes, a per-address resend interval and REQUIRE_VERIFIED_EMAIL", () => {
  let s: TestServer;
  let c: ReturnType<typeof connect>;
  beforeAll(async () => {
    s = await startTestServer({
      SMTP_URL: smtp.url,
      MAIL_POLL_INTERVAL_MS: "50",
      VERIFY_EMAIL_TOKEN_TTL_SECONDS: "1",
      RECOVERY_MAIL_INTERVAL_SECONDS: "60",
      REQUIRE_VERIFIED_EMAIL: "true",
    });
    c = connect(s.baseUrl);
  });
  afterAll(() => s?.close());

  it("an expired token is invalid; login waits for verification; resend within the interval sends nothing", async () => {
    const a = newAccount();
    const { id } = await c.auth.register(a);
    const { token } = linkToken(await smtp.waitFor(a.email, VERIFY), "/verify-email");

    const login = await failure(c.auth.login(a));
    expect(login).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_EMAIL_NOT_VERIFIED" });
    // A wrong password still gets the ordinary answer: the verification state is not revealed.
    expect(await failure(c.auth.login({ ...a, password: "wrong password!" }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_INVALID_CREDENTIALS",
    });

    await new Promise((r) => setTimeout(r, 1_200));
    expect(await failure(c.recovery.confirmEmail({ token }))).toMatchObject({ reason: "ERROR_REASON_TOKEN_INVALID" });

    // ResendVerification needs an access token, which an unverified account cannot get here:
    // start a session for it directly, as Login would after the password check.
    const origin = { clientAddress: "127.0.0.1", userAgent: "test", requestId: "test" };
    const { accessToken: access } = await s.server.sessions.start(s.orm.em.fork(), id, origin);
    const answer = await c.recovery.resendVerification({}, bearer(access));
    expect(answer.message).toBe("if your address still needs confirming, a new link is on its way");
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.to(a.email)).toHaveLength(1);
  });
});

// Password reset end to end over a real SMTP server: no enumeration, single
// use under concurrency, expiry, and sessions revoked in the same transaction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startMailServer, linkToken, type MailServer } from "../support/mail-server.js";
import { failure } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

const RESET = /^Reset your/;
const CHANGED = /password was changed$/;
const REFUSE_REVOCATION_FOR = newAccount("refuse").email;
let t: TestServer;
let smtp: MailServer;
let c: ReturnType<typeof connect>;
/** What the "revoke every session" hook saw: user ids, in call order. */
const revoked: string[] = [];

function connect(baseUrl: string) {
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1" });
  return { auth: createClient(AuthService, transport), recovery: createClient(AccountRecoveryService, transport) };
}

/** A server of the describe block's own, mailing to the test SMTP server, with these settings. */
function serverWith(env: Record<string, string>) {
  const server = {} as { s: TestServer; c: ReturnType<typeof connect> };
  beforeAll(async () => {
    server.s = await startTestServer({ SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: "50", ...env });
    server.c = connect(server.s.baseUrl);
  });
  afterAll(() => server.s?.close());
  return server;
}

beforeAll(async () => {
  smtp = await startMailServer();
  t = await startTestServer(
    { SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: "50", RECOVERY_MAIL_INTERVAL_SECONDS: "0" },
    undefined,
    {
      revokeAllSessions: async (em, userId) => {
        // A real effect inside the reset's transaction: it sees the new, uncommitted state.
        const [row] = await em.execute<{ email: string }[]>("select email from users where id = ?", [userId]);
        if (row?.email === REFUSE_REVOCATION_FOR) throw new Error("sessions store refused");
        revoked.push(userId);
      },
    },
  );
  c = connect(t.baseUrl);
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

async function requestReset(email: string) {
  await c.recovery.requestPasswordReset({ email: email.toUpperCase() });
  return linkToken(await smtp.waitFor(email, RESET), "/password-reset").token;
}

const hashOf = async (email: string) =>
  (await t.sql<{ password_hash: string }>("select password_hash from users where email = $1", [email]))[0]!.password_hash;

describe("password reset", () => {
  it("mails a link; the token sets the new password once, revokes sessions and mails a notice", async () => {
    const a = newAccount();
    const { id } = await c.auth.register(a);
    const token = await requestReset(a.email);
    // Requesting changes nothing: the old password still works.
    await c.auth.login(a);

    const answer = await c.recovery.resetPassword({ token, newPassword: "a brand new password" });
    expect(answer).toEqual(expect.objectContaining({ message: "password changed; sign in with the new password" }));
    expect(revoked).toContain(id);
    expect(await failure(c.auth.login(a))).toMatchObject({ code: Code.Unauthenticated });
    await c.auth.login({ email: a.email, password: "a brand new password" });
    const notice = await smtp.waitFor(a.email, CHANGED);
    expect(notice.text).not.toMatch(/token=/);

    const reused = await failure(c.recovery.resetPassword({ token, newPassword: "another new password" }));
    expect(reused).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_TOKEN_INVALID" });
  });

  it("answers an unknown email exactly like a known one, and sends nothing", async () => {
    const known = newAccount();
    await c.auth.register(known);
    const unknown = newAccount().email;
    const a = await c.recovery.requestPasswordReset({ email: known.email });
    const b = await c.recovery.requestPasswordReset({ email: unknown });
    expect(b).toEqual(a);
    const rest = await Promise.all(
      [known.email, unknown].map(async (email) => {
        const res = await fetch(`${t.baseUrl}/password-reset`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email }),
        });
        return { status: res.status, body: await res.text() };
      }),
    );
    expect(rest[1]).toEqual(rest[0]);
    await smtp.waitFor(known.email, RESET);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.to(unknown)).toHaveLength(0);
    expect(await t.sql("select 1 from email_outbox where recipient = $1", [unknown])).toHaveLength(0);
  });

  it("a newer request voids the older token", async () => {
    const a = newAccount();
    await c.auth.register(a);
    const first = await requestReset(a.email);
    await c.recovery.requestPasswordReset({ email: a.email });
    await expect.poll(() => smtp.to(a.email).filter((m) => RESET.test(m.subject ?? "")).length).toBe(2);
    const second = linkToken(smtp.to(a.email).filter((m) => RESET.test(m.subject ?? ""))[1]!, "/password-reset").token;
    expect(await failure(c.recovery.resetPassword({ token: first, newPassword: "a brand new password" }))).toMatchObject({
      reason: "ERROR_REASON_TOKEN_INVALID",
    });
    await c.recovery.resetPassword({ token: second, newPassword: "a brand new password" });
  });

  it("a weak new password is refused with the registration rules, and the token stays usable", async () => {
    const a = newAccount();
    await c.auth.register(a);
    const token = await requestReset(a.email);
    const weak = await failure(c.recovery.resetPassword({ token, newPassword: "short" }));
    expect(weak).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_FIELDS" });
    expect(weak.violations).toEqual([{ field: "new_password", description: "new password must be at least 15 characters" }]);
    await c.recovery.resetPassword({ token, newPassword: "long enough now" });
  });

  it("16 concurrent redemptions of one token: exactly one succeeds, and its password is the one stored", async () => {
    const a = newAccount();
    await c.auth.register(a);
    const token = await requestReset(a.email);
    const passwords = Array.from({ length: 16 }, (_, i) => `concurrent password ${i}`);
    const results = await Promise.allSettled(passwords.map((newPassword) => c.recovery.resetPassword({ token, newPassword })));
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [passwords[i]!] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect((await failure(Promise.reject(r.reason))).reason).toBe("ERROR_REASON_TOKEN_INVALID");
    }
    await c.auth.login({ email: a.email, password: won[0]! });
    const events = await t.sql(
      "select 1 from audit_events e join users u on u.id = e.user_id where u.email = $1 and e.type = 'password_reset'",
      [a.email],
    );
    expect(events).toHaveLength(1);
  });

  it("when revoking sessions fails, nothing changes: the password stays, the token stays unspent", async () => {
    await c.auth.register({ ...newAccount(), email: REFUSE_REVOCATION_FOR, password: "the old password" });
    const token = await requestReset(REFUSE_REVOCATION_FOR);
    const before = await hashOf(REFUSE_REVOCATION_FOR);
    expect(await failure(c.recovery.resetPassword({ token, newPassword: "a brand new password" }))).toMatchObject({
      code: Code.Internal,
    });
    expect(await hashOf(REFUSE_REVOCATION_FOR)).toBe(before);
    const [row] = await t.sql<{ used_at: Date | null }>(
      "select used_at from one_time_tokens t join users u on u.id = t.user_id where u.email = $1 and t.purpose = 'reset_password'",
      [REFUSE_REVOCATION_FOR],
    );
    expect(row?.used_at).toBeNull();
  });
});

describe("with short lifetimes and the per-address mail interval", () => {
  const server = serverWith({ RESET_PASSWORD_TOKEN_TTL_SECONDS: "1", RECOVERY_MAIL_INTERVAL_SECONDS: "60" });

  it("an expired token is invalid, and repeated requests within the interval send one mail", async () => {
    const sc = server.c;
    const a = newAccount();
    await sc.auth.register(a);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await sc.recovery.requestPasswordReset({ email: a.email }));
    expect(new Set(answers.map((x) => x.message)).size).toBe(1);
    const { token } = linkToken(await smtp.waitFor(a.email, RESET), "/password-reset");
    await new Promise((r) => setTimeout(r, 1_200));
    expect(smtp.to(a.email).filter((m) => RESET.test(m.subject ?? ""))).toHaveLength(1);
    expect(await failure(sc.recovery.resetPassword({ token, newPassword: "a brand new password" }))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_TOKEN_INVALID",
    });
    await sc.auth.login(a);
  });
});

describe("with an hourly cap per address (RL-06) and no interval", () => {
  const server = serverWith({ RECOVERY_MAIL_INTERVAL_SECONDS: "0", RECOVERY_MAILS_PER_HOUR: "2" });

  it("sends at most the cap, answers every request the same, and records the refused ones as blocked", async () => {
    const { s, c: sc } = server;
    const a = newAccount();
    await sc.auth.register(a);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await sc.recovery.requestPasswordReset({ email: a.email })).message);
    expect(new Set(answers)).toEqual(new Set(["if an account has this address, a reset link is on its way"]));
    await expect.poll(() => smtp.to(a.email).filter((m) => RESET.test(m.subject ?? "")).length, { timeout: 10_000 }).toBe(2);
    const outcomes = await s.sql<{ outcome: string }>(
      `select outcome from audit_events e join users u on u.id = e.user_id
        where u.email = $1 and e.type = 'password_reset_requested' order by e.occurred_at`,
      [a.email],
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(["success", "success", "blocked", "blocked"]);
    // Nothing more arrives later: the refused requests queued nothing.
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.to(a.email).filter((m) => RESET.test(m.subject ?? ""))).toHaveLength(2);
  });
});

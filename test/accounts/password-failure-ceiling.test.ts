// NIST SP 800-63B's ceiling on consecutive failures (SECURITY.md RL-01):
// after LOGIN_MAX_CONSECUTIVE_FAILURES wrong passwords in a row the password
// stops working, right or wrong, until a reset; the owner is mailed a link.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { doors, failure, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { linkToken, startMailServer, type MailServer } from "../support/mail-server.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const CEILING = 3;
const DISABLED = /^Your .* password was disabled$/;
let t: TestServer;
let smtp: MailServer;
let door: Door;

beforeAll(async () => {
  smtp = await startMailServer();
  t = await startTestServer({
    SMTP_URL: smtp.url,
    MAIL_POLL_INTERVAL_MS: "50",
    LOGIN_MAX_CONSECUTIVE_FAILURES: String(CEILING),
    // The backoff and the per-address limits would answer first; this test is about the ceiling.
    LOGIN_FREE_FAILURES: "100",
    RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "1000/1m",
    RATE_LIMIT_LOGIN_PER_ADDRESS: "1000/1m",
  });
  door = doors(t.baseUrl).find((d) => d.name === "rest")!;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const failedLogins = async (email: string) =>
  Number((await t.sql<{ failed_logins: number }>("select failed_logins from users where email = $1", [email]))[0]!.failed_logins);

describe("the consecutive-failure ceiling", () => {
  it("disables the password after the ceiling, answers a right password like a wrong one, mails a reset link, and a reset restores it", async () => {
    const account = newAccount("ceiling");
    const { id } = await door.register(account);
    const session = await door.login(account);
    const [before] = await t.sql<{ updated_at: Date }>("select updated_at from users where id = $1", [id]);

    const wrong = { ...account, password: "not the password at all" };
    const wrongAnswer = await failure(door.login(wrong));
    expect(wrongAnswer).toMatchObject({ code: Code.Unauthenticated, reason: "ERROR_REASON_INVALID_CREDENTIALS" });
    for (let i = 1; i < CEILING; i++) expect(await failure(door.login(wrong))).toEqual(wrongAnswer);
    expect(await failedLogins(account.email)).toBe(CEILING);

    // The right password now gets exactly the answer of a wrong one, and the count stays put.
    expect(await failure(door.login(account))).toEqual(wrongAnswer);
    expect(await failure(door.login(wrong))).toEqual(wrongAnswer);
    expect(await failedLogins(account.email)).toBe(CEILING);
    const events = await t.sql<{ outcome: string }>(
      "select outcome from audit_events where user_id = $1 and type = 'login' order by occurred_at",
      [id],
    );
    expect(events.map((e) => e.outcome)).toEqual(["success", ...Array(CEILING).fill("failure"), "blocked", "blocked"]);
    // Counting failures is not a profile change.
    const [after] = await t.sql<{ updated_at: Date }>("select updated_at from users where id = $1", [id]);
    expect(after!.updated_at).toEqual(before!.updated_at);
    // Sessions already signed in stay signed in.
    await door.getProfile(id, session.accessToken);

    const mail = await smtp.waitFor(account.email, DISABLED);
    expect(mail.text).toContain("After too many wrong passwords in a row");
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.to(account.email).filter((m) => DISABLED.test(m.subject ?? ""))).toHaveLength(1);

    const { token } = linkToken(mail, "/password-reset");
    const newPassword = "a brand new and long passphrase";
    await door.resetPassword({ token, newPassword });
    expect(await failedLogins(account.email)).toBe(0);
    await door.login({ ...account, password: newPassword });
  });

  it("counts only failures in a row: a success starts the count again", async () => {
    const account = newAccount("in-a-row");
    await door.register(account);
    const wrong = { ...account, password: "not the password at all" };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < CEILING - 1; i++) await failure(door.login(wrong));
      expect(await failedLogins(account.email)).toBe(CEILING - 1);
      await door.login(account);
      expect(await failedLogins(account.email)).toBe(0);
    }
    expect(smtp.to(account.email).filter((m) => DISABLED.test(m.subject ?? ""))).toHaveLength(0);
  });
});

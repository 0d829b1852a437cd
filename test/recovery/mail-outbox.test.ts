// The outbox keeps mail through an SMTP outage and delivers it once when the
// server comes back; several senders never deliver a row twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startMailServer, linkToken, type MailServer } from "../support/mail-server.js";
import { newAccount } from "../support/fixtures.js";

let smtp: MailServer;
let t: TestServer;
let second: TestServer;

beforeAll(async () => {
  // Learn a free port, then leave it closed: the SMTP server is "down".
  smtp = await startMailServer();
  await smtp.close();
  const env = { SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: "50", MAIL_RETRY_BASE_MS: "100", MAIL_RETRY_MAX_MS: "400" };
  t = await startTestServer(env);
  // A second instance on the same database: two senders compete for the same rows.
  second = await startTestServer(env, undefined, { databaseUrl: t.databaseUrl });
});
afterAll(async () => {
  await second?.close();
  await t?.close();
  await smtp?.close();
});

describe("mail outbox", () => {
  it("answers normally while SMTP is down, retries with backoff, and delivers each message once when it is back", async () => {
    const transport = createConnectTransport({ baseUrl: t.baseUrl, httpVersion: "1.1" });
    const auth = createClient(AuthService, transport);
    const recovery = createClient(AccountRecoveryService, transport);
    const accounts = Array.from({ length: 5 }, () => newAccount("outage"));
    for (const a of accounts) {
      await auth.register(a);
      await recovery.requestPasswordReset({ email: a.email });
    }
    await expect
      .poll(async () => (await t.sql<{ n: number }>("select min(attempts)::int as n from email_outbox where sent_at is null"))[0]!.n, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(2);
    const [failing] = await t.sql<{ last_error: string | null }>("select last_error from email_outbox where sent_at is null limit 1");
    expect(failing?.last_error).toMatch(/ECONNREFUSED/);

    await smtp.listen();
    for (const a of accounts) {
      await smtp.waitFor(a.email, /^Confirm your email address/);
      const reset = await smtp.waitFor(a.email, /^Reset your/);
      expect(linkToken(reset, "/password-reset").token).toHaveLength(43);
    }
    // Give both senders a few more polls, then count: one of each, no duplicates.
    await new Promise((r) => setTimeout(r, 500));
    for (const a of accounts) expect(smtp.to(a.email)).toHaveLength(2);
    expect(await t.sql("select 1 from email_outbox where sent_at is null or payload is not null")).toHaveLength(0);
    const messageIds = smtp.received.map((m) => m.messageId);
    expect(new Set(messageIds).size).toBe(messageIds.length);
  });
});

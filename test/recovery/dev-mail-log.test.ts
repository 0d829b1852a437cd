// Without SMTP_URL (the development default) mail goes to the log, clearly
// marked, so every flow can be finished locally. With SMTP_URL set, no token
// ever reaches the log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startMailServer, linkToken, type MailServer } from "../support/mail-server.js";
import { newAccount } from "../support/fixtures.js";
import { captureLog } from "../support/log-capture.js";

const clients = (baseUrl: string) => {
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1" });
  return { auth: createClient(AuthService, transport), recovery: createClient(AccountRecoveryService, transport) };
};

describe("without SMTP_URL", () => {
  const log = captureLog();
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ LOG_LEVEL: "info", MAIL_POLL_INTERVAL_MS: "50" }, undefined, { logDestination: log.stream });
  });
  afterAll(() => t?.close());

  it("writes the message with its link to the log, marked as development mail, and the link works", async () => {
    const c = clients(t.baseUrl);
    const a = newAccount();
    await c.auth.register(a);
    const find = () =>
      (log.lines() as { msg: string; devMail?: { to: string; text: string } }[]).find((l) => l.devMail?.to === a.email);
    await expect.poll(find).toBeDefined();
    const entry = find()!;
    expect(entry.msg).toMatch(/^DEVELOPMENT MAIL/);
    const token = /verify-email\?token=([\w-]+)/.exec(entry.devMail!.text)![1]!;
    await c.recovery.confirmEmail({ token });
  });
});

describe("with SMTP_URL", () => {
  const log = captureLog();
  let t: TestServer;
  let smtp: MailServer;
  beforeAll(async () => {
    smtp = await startMailServer();
    t = await startTestServer({ LOG_LEVEL: "trace", SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: "50", RECOVERY_MAIL_INTERVAL_SECONDS: "0" }, undefined, {
      logDestination: log.stream,
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("never logs a verification or reset token, at trace level", async () => {
    const c = clients(t.baseUrl);
    const a = newAccount();
    await c.auth.register(a);
    await c.recovery.requestPasswordReset({ email: a.email });
    const verify = linkToken(await smtp.waitFor(a.email, /^Confirm/), "/verify-email").token;
    const reset = linkToken(await smtp.waitFor(a.email, /^Reset/), "/password-reset").token;
    await c.recovery.confirmEmail({ token: verify });
    await c.recovery.resetPassword({ token: reset, newPassword: "canary new password" });
    expect(log.text()).toContain('"msg":"rpc"');
    for (const secret of [verify, reset, "canary new password"]) expect(log.text()).not.toContain(secret);
    expect(log.text()).not.toContain("DEVELOPMENT MAIL");
  });
});

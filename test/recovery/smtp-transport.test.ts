// How the outbox sender talks SMTP: one kept-open connection for mail after
// mail, and timeouts that give up on a server that does not answer (the row
// is retried later) instead of holding the sender.
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startMailServer, type MailServer } from "../support/mail-server.js";
import { newAccount } from "../support/fixtures.js";

const CONFIRM = /^Confirm your email address/;
const register = (t: TestServer, account: ReturnType<typeof newAccount>) =>
  createClient(AuthService, createConnectTransport({ baseUrl: t.baseUrl, httpVersion: "1.1" })).register(account);

describe("with a working SMTP server", () => {
  let smtp: MailServer;
  let t: TestServer;
  beforeAll(async () => {
    smtp = await startMailServer();
    t = await startTestServer({ SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: "50" });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("delivers one mail after another over a single connection", async () => {
    const accounts = Array.from({ length: 3 }, () => newAccount("pooled"));
    for (const account of accounts) {
      await register(t, account);
      // One at a time: each mail goes out in its own pass of the sender.
      await smtp.waitFor(account.email, CONFIRM);
    }
    expect(smtp.to(accounts[2]!.email)).toHaveLength(1);
    expect(smtp.connections).toBe(1);
  });

  it("opens a new connection when the kept one has idled out, and delivers", async () => {
    const before = smtp.connections;
    // Past the 5 s socket timeout, which ends the idle connection.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const account = newAccount("after-idle");
    await register(t, account);
    await smtp.waitFor(account.email, CONFIRM);
    expect(smtp.connections).toBe(before + 1);
  }, 15_000);
});

describe("with an SMTP server that never greets", () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let t: TestServer;
  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    t = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_POLL_INTERVAL_MS: "50" });
  });
  afterAll(async () => {
    await t?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it("gives up after the greeting timeout (4 s) and keeps the mail for a retry", async () => {
    await register(t, newAccount("silent"));
    await expect
      .poll(async () => (await t.sql<{ last_error: string | null }>("select last_error from email_outbox"))[0]?.last_error, {
        timeout: 8_000,
        interval: 200,
      })
      .toMatch(/Greeting never received/);
    expect(await t.sql("select 1 from email_outbox where sent_at is null")).toHaveLength(1);
  }, 15_000);
});

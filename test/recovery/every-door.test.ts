// The recovery RPCs behave the same on every door (gRPC, gRPC-Web, Connect, REST).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startMailServer, linkToken, type MailServer } from "../support/mail-server.js";
import { doors, failure, type Door } from "../support/doors.js";
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

describe.each(doors("http://placeholder").map((d) => d.name))("over %s", (name) => {
  let door: Door;
  beforeAll(() => {
    door = doors(t.baseUrl).find((d) => d.name === name)!;
  });

  it("verifies an address, resends, and resets a password through mailed links", async () => {
    const a = newAccount();
    const { id } = await door.register(a);
    const { accessToken } = await door.login(a);
    const first = linkToken(await smtp.waitFor(a.email, /^Confirm/), "/verify-email").token;

    expect(await door.resendVerification(accessToken)).toEqual({
      message: "if your address still needs confirming, a new link is on its way",
    });
    await expect.poll(() => smtp.to(a.email).length).toBe(2);
    const second = linkToken(smtp.to(a.email)[1]!, "/verify-email").token;
    const stale = await failure(door.confirmEmail(first));
    expect(stale).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_TOKEN_INVALID" });
    expect(stale.message).toBe("this link is invalid or has expired; ask for a new one");
    expect(await door.confirmEmail(second)).toEqual({ message: "email address verified" });

    expect(await failure(door.resendVerification())).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_ACCESS_TOKEN_MISSING",
    });

    const unknown = await door.requestPasswordReset(newAccount().email);
    expect(await door.requestPasswordReset(a.email)).toEqual(unknown);
    const token = linkToken(await smtp.waitFor(a.email, /^Reset/), "/password-reset").token;
    const weak = await failure(door.resetPassword({ token, newPassword: "short" }));
    expect(weak).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_FIELDS" });
    expect(weak.violations).toEqual([{ field: "new_password", description: "new password must be at least 15 characters" }]);
    expect(await door.resetPassword({ token, newPassword: "a brand new password" })).toEqual({
      message: "password changed; sign in with the new password",
    });
    expect(await failure(door.resetPassword({ token, newPassword: "a brand new password" }))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_TOKEN_INVALID",
    });
    const session = await door.login({ email: a.email, password: "a brand new password" });
    expect((await door.getProfile(id, session.accessToken)).email).toBe(a.email);
  });
});

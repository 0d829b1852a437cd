// The pages that links in mail open, in a real Chromium against the real
// server and a real SMTP server: confirming an address, asking for and
// completing a password reset, and asking for a new confirmation link.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { consoleErrors, launchBrowser, screenshot, type Browser } from "../support/browser.js";
import { linkToken, startMailServer, type MailServer } from "../support/mail-server.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const VERIFY = /^Confirm your email address/;
const RESET = /^Reset your/;
let t: TestServer;
let smtp: MailServer;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  smtp = await startMailServer();
  [t, browser] = await Promise.all([
    startTestServer({ SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: "50", RECOVERY_MAIL_INTERVAL_SECONDS: "0" }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await smtp?.close();
});
beforeEach(async () => {
  page = await browser.newPage();
  errors = consoleErrors(page);
});

const status = () => page.locator("#status");
const resetForm = () => page.locator("#reset-form");
const verifiedAt = async (email: string) =>
  (await t.sql<{ email_verified_at: Date | null }>("select email_verified_at from users where email = $1", [email]))[0]
    ?.email_verified_at;

/** Opens the link's path and query on the test server (PUBLIC_BASE_URL is the default, not the test's port). */
const open = (link: string) => {
  const url = new URL(link);
  return page.goto(`${t.baseUrl}${url.pathname}${url.search}`);
};

describe("links in mail", () => {
  it("confirms the address from the verification link, says so again on a second visit, and drops the token from the address bar", async () => {
    const account = newAccount("verify");
    await restDoor(t.baseUrl).register(account);
    const { link } = linkToken(await smtp.waitFor(account.email, VERIFY), "/verify-email");

    const response = await open(link);
    expect(response!.status()).toBe(200);
    expect(response!.headers()["referrer-policy"]).toBe("no-referrer");
    await expectText(status(), "Your email address is confirmed.");
    expect(new URL(page.url()).pathname).toBe("/");
    expect(page.url()).not.toContain("token");
    expect(await verifiedAt(account.email)).toBeInstanceOf(Date);
    await screenshot(page, "mail-link-verified");

    await open(link);
    await expectText(status(), "Your email address was already confirmed.");
    expect(errors).toEqual([]);
  });

  it("says a wrong link is invalid and confirms nothing", async () => {
    const account = newAccount("badlink");
    await restDoor(t.baseUrl).register(account);
    await open(`${t.baseUrl}/verify-email?token=${"A".repeat(43)}`);
    await expectText(status(), "This link is invalid or has expired. Sign in and ask for a new one from your profile.");
    expect(await verifiedAt(account.email)).toBeNull();
  });

  it("resets a forgotten password: the request form, the mailed link, a refused weak password, then the new one", async () => {
    const account = newAccount("forgot");
    const rest = restDoor(t.baseUrl);
    await rest.register(account);
    await page.goto(t.baseUrl);
    const forgot = page.locator("#forgot-form");
    await forgot.getByLabel("Email").fill(account.email);
    await forgot.getByRole("button", { name: "Mail me a reset link" }).click();
    await expectText(status(), `If an account has the address ${account.email}, a reset link is on its way.`);

    const { link } = linkToken(await smtp.waitFor(account.email, RESET), "/password-reset");
    await open(link);
    await resetForm().waitFor({ state: "visible", timeout: 10_000 });
    expect(page.url()).not.toContain("token");
    expect(await page.locator("#signed-out").isHidden()).toBe(true);

    const field = resetForm().getByLabel("New password");
    await field.fill("short");
    await resetForm().getByRole("button", { name: "Set the new password" }).click();
    await expectText(page.locator("#reset-password-error"), "New password must be at least 15 characters.");
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "mail-link-reset-weak");
    // The refused password changed nothing: the old one still signs in.
    await rest.login(account);

    const newPassword = "a fresh and rather long passphrase";
    await field.fill(newPassword);
    await resetForm().getByRole("button", { name: "Set the new password" }).click();
    await expectText(status(), "Your password has been changed. Sign in with the new one.");
    await page.locator("#sign-in-form").waitFor({ state: "visible", timeout: 10_000 });
    await rest.login({ ...account, password: newPassword });
    expect(errors).toEqual([]);
  });

  it("a spent reset link is refused on the page, with a way to ask again", async () => {
    const account = newAccount("spent");
    const rest = restDoor(t.baseUrl);
    await rest.register(account);
    await rest.requestPasswordReset(account.email);
    const { link, token } = linkToken(await smtp.waitFor(account.email, RESET), "/password-reset");
    await rest.resetPassword({ token, newPassword: "spent before the page was opened" });

    await open(link);
    await resetForm().getByLabel("New password").fill("another long enough passphrase");
    await resetForm().getByRole("button", { name: "Set the new password" }).click();
    await expectText(status(), 'This link is invalid or has expired. Ask for a new one with "Forgot your password?".');
    expect(await resetForm().isHidden()).toBe(true);
  });

  it("offers a new confirmation link on the profile while the address is unconfirmed", async () => {
    const account = newAccount("resend");
    await restDoor(t.baseUrl).register(account);
    await smtp.waitFor(account.email, VERIFY);
    await page.goto(t.baseUrl);
    const signIn = page.locator("#sign-in-form");
    await signIn.getByLabel("Email").fill(account.email);
    await signIn.getByLabel("Password").fill(account.password);
    await signIn.getByRole("button", { name: "Sign in" }).click();

    const unconfirmed = page.locator("#email-unconfirmed");
    await unconfirmed.waitFor({ state: "visible", timeout: 10_000 });
    await unconfirmed.getByRole("button", { name: "Send a new link" }).click();
    await expectText(status(), "If your address still needs confirming, a new link is on its way.");
    await expect.poll(() => smtp.to(account.email).filter((m) => VERIFY.test(m.subject ?? "")).length, { timeout: 10_000 }).toBe(2);
    expect(errors).toEqual([]);
  });
});

async function expectText(locator: ReturnType<Page["locator"]>, text: string) {
  await locator.filter({ hasText: text }).waitFor({ state: "visible", timeout: 10_000 });
  expect((await locator.textContent())?.trim()).toBe(text);
}

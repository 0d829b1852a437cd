// The web console in a real Chromium against the real server: register,
// sign in, see and edit the profile, sign out, and every error shown where
// it belongs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { freshConsolePage, launchBrowser, screenshot, type Browser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let t: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];
// The server's clock, so a test can let access tokens expire without waiting.
let clockOffsetMs = 0;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestServer({}, () => Date.now() + clockOffsetMs), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});
beforeEach(async () => {
  clockOffsetMs = 0;
  ({ page, errors } = await freshConsolePage(browser, t.baseUrl));
});

const userCount = async () => Number((await t.sql<{ n: string }>("select count(*) as n from users"))[0]!.n);
const signInForm = () => page.locator("#sign-in-form");
const registerForm = () => page.locator("#register-form");
const profileForm = () => page.locator("#profile-form");
const status = () => page.locator("#status");

async function register(account: { user: string; email: string; password: string }) {
  await registerForm().getByLabel("User name").fill(account.user);
  await registerForm().getByLabel("Email").fill(account.email);
  await registerForm().getByLabel("Password").fill(account.password);
  await registerForm().getByRole("button", { name: "Create account" }).click();
}

async function signIn(email: string, password: string) {
  await signInForm().getByLabel("Email").fill(email);
  await signInForm().getByLabel("Password").fill(password);
  await signInForm().getByRole("button", { name: "Sign in" }).click();
}

/** The message shown next to a field, and whether the field is marked invalid and points to it. */
async function fieldError(form: ReturnType<typeof registerForm>, label: string) {
  const input = form.getByLabel(label, { exact: true });
  const describedBy = (await input.getAttribute("aria-describedby")) ?? "";
  const errorId = describedBy.split(" ").find((id) => id.endsWith("-error"));
  return {
    invalid: await input.getAttribute("aria-invalid"),
    message: errorId === undefined ? undefined : await page.locator(`#${errorId}`).textContent(),
  };
}

describe("the web console", () => {
  it("shows each invalid field's message next to that field and creates nothing", async () => {
    await register({ user: " ", email: "not-an-email", password: "short" });

    await expectVisible(page.locator("#register-password-error"));
    expect(await fieldError(registerForm(), "User name")).toEqual({ invalid: "true", message: "User is required." });
    expect(await fieldError(registerForm(), "Email")).toEqual({
      invalid: "true",
      message: "Email must be a valid email address, like name@example.com.",
    });
    expect(await fieldError(registerForm(), "Password")).toEqual({
      invalid: "true",
      message: "Password must be at least 15 characters.",
    });
    // Focus goes to the first field to fix.
    expect(await page.evaluate("document.activeElement.id")).toBe("register-user");
    await screenshot(page, "console-register-errors");
    expect(await userCount()).toBe(0);

    // Fixing one field clears its message on the next try.
    await registerForm().getByLabel("Password").fill("a long enough passphrase");
    await registerForm().getByRole("button", { name: "Create account" }).click();
    await expectHidden(page.locator("#register-password-error"));
    expect(await fieldError(registerForm(), "Password")).toEqual({ invalid: null, message: undefined });
    expect(errors).toEqual([]);
  });

  it("says next to the email field that the address is taken", async () => {
    const taken = newAccount("taken");
    await restDoor(t.baseUrl).register(taken);
    const before = await userCount();

    await register({ ...newAccount("second"), email: taken.email.toUpperCase() });

    await expectVisible(page.locator("#register-email-error"));
    expect(await fieldError(registerForm(), "Email")).toEqual({
      invalid: "true",
      message: "An account with this email address already exists.",
    });
    expect(await registerForm().locator("[data-form-error]").isHidden()).toBe(true);
    expect(await userCount()).toBe(before);
  });

  it("registers, shows and edits the profile, keeps the session on reload, signs out and in again", async () => {
    const account = newAccount("console");
    await register(account);

    await expectVisible(profileForm());
    expect(await status().textContent()).toBe("Your account is ready.");
    expect(await profileForm().getByLabel("User name").inputValue()).toBe(account.user);
    expect(await profileForm().getByLabel("Email").inputValue()).toBe(account.email);
    const [row] = await t.sql<{ id: string }>("select id from users where email = $1", [account.email]);
    expect(await page.locator("#profile-id").textContent()).toBe(row!.id);
    await screenshot(page, "console-profile");

    const renamed = `${account.user}-renamed`;
    await profileForm().getByLabel("User name").fill(renamed);
    await profileForm().getByRole("button", { name: "Save changes" }).click();
    await expectText(status(), "Your changes are saved.");
    const [stored] = await t.sql<{ user: string }>('select "user" from users where id = $1', [row!.id]);
    expect(stored!.user).toBe(renamed);

    await profileForm().getByLabel("Email").fill("no-at-sign");
    await profileForm().getByRole("button", { name: "Save changes" }).click();
    await expectVisible(page.locator("#profile-email-error"));
    expect(await fieldError(profileForm(), "Email")).toEqual({
      invalid: "true",
      message: "Email must be a valid email address, like name@example.com.",
    });

    await page.reload();
    await expectVisible(profileForm());
    // The profile loads after the form appears.
    await expect.poll(() => profileForm().getByLabel("User name").inputValue(), { timeout: 10_000 }).toBe(renamed);

    // The header's button; the sessions list has its own "Sign out …" buttons.
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expectVisible(signInForm());
    expect(await status().textContent()).toBe("You are signed out.");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);

    await signIn(account.email, "not the password");
    const formError = signInForm().locator("[data-form-error]");
    await expectText(formError, "Invalid email or password.");
    expect(await formError.getAttribute("role")).toBe("alert");
    await screenshot(page, "console-sign-in-error");

    await signIn(account.email, account.password);
    await expectVisible(profileForm());
    // The profile loads after the form appears.
    await expect.poll(() => profileForm().getByLabel("User name").inputValue(), { timeout: 10_000 }).toBe(renamed);
    expect(errors).toEqual([]);
  });

  it("renews at once when the server says the access token expired (a computer that slept), and stays signed in", async () => {
    const account = newAccount("slept");
    await restDoor(t.baseUrl).register(account);
    await signIn(account.email, account.password);
    await expectVisible(profileForm());
    const before = await page.evaluate('sessionStorage.getItem("auth-service.session")');

    clockOffsetMs = 3600_000;
    await page.reload();

    await expect.poll(() => page.evaluate('sessionStorage.getItem("auth-service.session")')).not.toBe(before);
    await expect.poll(() => profileForm().getByLabel("User name").inputValue(), { timeout: 10_000 }).toBe(account.user);
    expect(await signInForm().isVisible()).toBe(false);
    expect(await status().textContent()).not.toContain("expired");
  });

  it("signs the user out with a message when the access token expired and there is no cookie to renew it", async () => {
    const account = newAccount("expiring");
    await restDoor(t.baseUrl).register(account);
    await signIn(account.email, account.password);
    await expectVisible(profileForm());

    await browser.context.clearCookies();
    clockOffsetMs = 3600_000;
    await page.reload();

    await expectVisible(signInForm());
    expect(await status().textContent()).toBe("Your session has expired. Sign in again.");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
  });

  it("loads under its Content-Security-Policy with nothing blocked", async () => {
    const response = await page.goto(t.baseUrl);
    const csp = response!.headers()["content-security-policy"]!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    await expectVisible(signInForm());
    expect(errors).toEqual([]);
  });
});

const expectVisible = (locator: ReturnType<Page["locator"]>) => locator.waitFor({ state: "visible", timeout: 10_000 });
const expectHidden = (locator: ReturnType<Page["locator"]>) => locator.waitFor({ state: "hidden", timeout: 10_000 });
async function expectText(locator: ReturnType<Page["locator"]>, text: string) {
  await locator.filter({ hasText: text }).waitFor({ state: "visible", timeout: 10_000 });
  expect((await locator.textContent())?.trim()).toBe(text);
}

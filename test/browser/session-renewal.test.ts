// The console stays signed in past its access token's 15 minutes: it renews
// the token with the refresh token that the server keeps in an HttpOnly
// cookie, out of reach of the page's scripts. Chromium's clock is moved
// forward (Playwright's fake clock); the server's runs as usual.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { freshConsolePage, launchBrowser, type Browser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let t: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  // A browser of its own: the fake clock belongs to the whole browser context.
  [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});
beforeEach(async () => {
  ({ page, errors } = await freshConsolePage(browser, t.baseUrl, (fresh) => fresh.clock.install()));
});
afterEach(async () => {
  expect(errors).toEqual([]);
  await page.close();
});

const status = () => page.locator("#status");
const signInForm = () => page.locator("#sign-in-form");
const profileForm = () => page.locator("#profile-form");
const refreshCookie = async () => (await browser.context.cookies(t.baseUrl)).find((c) => c.name === "__Host-refresh_token");

async function signedIn() {
  const account = newAccount("renewal");
  const { id } = await restDoor(t.baseUrl).register(account);
  await signInForm().getByLabel("Email").fill(account.email);
  await signInForm().getByLabel("Password").fill(account.password);
  await signInForm().getByRole("button", { name: "Sign in" }).click();
  await profileForm().waitFor();
  return id;
}

async function browserToken(): Promise<string> {
  const stored = (await page.evaluate('sessionStorage.getItem("auth-service.session")')) as string;
  return (JSON.parse(stored) as { accessToken: string }).accessToken;
}

it("keeps the refresh token in an HttpOnly __Host- cookie and renews the access token before it expires", async () => {
  const id = await signedIn();
  const first = await browserToken();
  const cookie = await refreshCookie();
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/", expires: -1 });
  // Neither the page's scripts nor its storage can see it.
  expect(await page.evaluate("document.cookie")).not.toContain("refresh");
  expect(JSON.stringify(await page.evaluate("Object.entries(sessionStorage)"))).not.toContain(cookie!.value);

  const refreshes: string[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith("/auth.v1.AuthService/Refresh")) refreshes.push(request.postData() ?? "");
  });
  // 14.5 minutes on: the token expires at 15, and the console renews a minute before.
  await page.clock.fastForward("14:30");

  await expect.poll(browserToken).not.toBe(first);
  expect(refreshes).toEqual(["{}"]);
  const renewed = await browserToken();
  expect((await restDoor(t.baseUrl).getProfile(id, renewed)).id).toBe(id);
  expect((await refreshCookie())!.value).not.toBe(cookie!.value);
  expect(await profileForm().isVisible()).toBe(true);
  expect(await status().textContent()).not.toContain("expired");

  // Signing out ends the session and takes the cookie away.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await signInForm().waitFor();
  expect(await refreshCookie()).toBeUndefined();
});

it("signs out with a message when there is no cookie to renew with", async () => {
  await signedIn();
  await browser.context.clearCookies();

  await page.clock.fastForward("14:30");

  await signInForm().waitFor();
  expect(await status().textContent()).toBe("Your session has expired. Sign in again.");
  expect(await page.evaluate("sessionStorage.length")).toBe(0);
});

// The console's sessions list and security log in a real Chromium against
// the real server: this browser's session marked among the others, signing
// one out (another, this one, or all of them) and the server refusing its
// tokens afterwards, and the security log in readable words, a page at a time.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import type { Locator, Page } from "playwright-core";
import { failure, restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { freshConsolePage, launchBrowser, screenshot, type Browser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let t: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

/** The other device: a REST client with a User-Agent of its own. */
const PHONE = "TestPhone/1.0 (account-activity)";
const rest = () => restDoor(t.baseUrl);
const phone = () => restDoor(t.baseUrl, { "user-agent": PHONE });

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});
beforeEach(async () => {
  ({ page, errors } = await freshConsolePage(browser, t.baseUrl));
});
afterEach(async () => {
  // Script errors and anything the Content-Security-Policy blocked land here.
  expect(errors).toEqual([]);
  await page.close();
});

const status = () => page.locator("#status");
const signInForm = () => page.locator("#sign-in-form");
const sessionRows = () => page.locator("#session-list > li");
const thisBrowser = () => sessionRows().filter({ hasText: "This browser" });
const phoneSession = () => sessionRows().filter({ hasText: PHONE });
const logRows = () => page.locator("#security-event-rows > tr");

/** Registers over REST and signs in with the console's form; returns the account's id. */
async function signedIn(account: { user: string; email: string; password: string }, before?: () => Promise<unknown>) {
  const { id } = await rest().register(account);
  await before?.();
  await signInForm().getByLabel("Email").fill(account.email);
  await signInForm().getByLabel("Password").fill(account.password);
  await signInForm().getByRole("button", { name: "Sign in" }).click();
  await thisBrowser().waitFor();
  return id;
}

/** The access token this browser holds, read the way the console stores it. */
async function browserToken(): Promise<string> {
  const stored = (await page.evaluate('sessionStorage.getItem("auth-service.session")')) as string;
  return (JSON.parse(stored) as { accessToken: string }).accessToken;
}

/** The log's rows as [what, outcome] pairs, top to bottom. */
async function logEntries(): Promise<[string, string][]> {
  const what = await logRows().locator("td:nth-child(2)").allTextContents();
  const outcomes = await logRows().locator("td:nth-child(3)").allTextContents();
  return what.map((w, i) => [w, outcomes[i]!]);
}

async function expectText(locator: Locator, text: string) {
  await locator.filter({ hasText: text }).waitFor({ state: "visible" });
  expect((await locator.textContent())?.trim()).toBe(text);
}

describe("the console's sessions", () => {
  it("marks this browser's session among the others; signing another out ends it on the server", async () => {
    const account = newAccount("sessions");
    let other = { accessToken: "" };
    const id = await signedIn(account, async () => (other = await phone().login(account)));

    await expect.poll(() => sessionRows().count()).toBe(2);
    expect(await thisBrowser().count()).toBe(1);
    expect(await thisBrowser().textContent()).toContain("HeadlessChrome");
    expect(await phoneSession().textContent()).not.toContain("This browser");
    expect(await phoneSession().textContent()).toMatch(/From \S*127\.0\.0\.1 · signed in .+ · last active /);
    // Both times are machine-readable.
    for (const datetime of await phoneSession().locator("time").evaluateAll((ts) => ts.map((t) => t.getAttribute("datetime")))) {
      expect(Math.abs(Date.parse(datetime!) - Date.now())).toBeLessThan(60_000);
    }
    // A long User-Agent is cut short, never widening the page.
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await screenshot(page, "console-sessions", { fullPage: true });

    await phoneSession().getByRole("button", { name: /^Sign out the session from .*127\.0\.0\.1/ }).click();

    await expectText(status(), "That session is signed out.");
    await expect.poll(() => sessionRows().count()).toBe(1);
    expect(await thisBrowser().count()).toBe(1);
    expect((await failure(rest().getProfile(id, other.accessToken))).code).toBe(Code.Unauthenticated);
    // This browser's session goes on, and the log shows what just happened.
    expect((await rest().getProfile(id, await browserToken())).id).toBe(id);
    await expect.poll(async () => (await logEntries())[0]).toEqual(["Session signed out (from another session)", "Success"]);
  });

  it("signs this browser out when its own session is signed out from the list", async () => {
    const account = newAccount("this-one");
    const id = await signedIn(account);
    const token = await browserToken();

    await thisBrowser().getByRole("button", { name: "Sign out this browser" }).click();

    await signInForm().waitFor();
    expect(await status().textContent()).toBe("You are signed out.");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect((await failure(rest().getProfile(id, token))).code).toBe(Code.Unauthenticated);
    // Nothing of the account stays on the page.
    expect(await sessionRows().count()).toBe(0);
    expect(await logRows().count()).toBe(0);
  });

  it("ends the session on the server when the header's Sign out is used", async () => {
    const account = newAccount("header");
    let other = { accessToken: "" };
    const id = await signedIn(account, async () => (other = await phone().login(account)));
    const token = await browserToken();

    await page.getByRole("button", { name: "Sign out", exact: true }).click();

    await signInForm().waitFor();
    expect(await status().textContent()).toBe("You are signed out.");
    expect((await failure(rest().getProfile(id, token))).code).toBe(Code.Unauthenticated);
    expect((await rest().listSessions(other.accessToken)).map((s) => s.userAgent)).toEqual([PHONE]);
  });

  it("signs out everywhere, this browser included", async () => {
    const account = newAccount("everywhere");
    let other = { accessToken: "" };
    const id = await signedIn(account, async () => (other = await phone().login(account)));
    await expect.poll(() => sessionRows().count()).toBe(2);
    const token = await browserToken();

    const asked: string[] = [];
    page.once("dialog", (dialog) => void (asked.push(dialog.message()), dialog.accept()));
    await page.getByRole("button", { name: "Sign out everywhere" }).click();

    await signInForm().waitFor();
    expect(asked).toEqual(["Sign out of every session, this browser included? Each device will have to sign in again."]);
    expect(await status().textContent()).toBe("You are signed out everywhere: 2 sessions ended.");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    for (const accessToken of [token, other.accessToken]) {
      expect((await failure(rest().getProfile(id, accessToken))).code).toBe(Code.Unauthenticated);
    }
  });

  it("asks before signing out everywhere, and a No changes nothing", async () => {
    const account = newAccount("everywhere-no");
    let other = { accessToken: "" };
    const id = await signedIn(account, async () => (other = await phone().login(account)));
    await expect.poll(() => sessionRows().count()).toBe(2);
    const token = await browserToken();

    const sent: string[] = [];
    page.on("request", (request) => sent.push(new URL(request.url()).pathname));
    const dismissed = new Promise<void>((resolve) => page.once("dialog", (dialog) => void dialog.dismiss().then(resolve)));
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await dismissed;
    // A call made despite the No would have left before the reload's requests.
    await page.reload();

    await expect.poll(() => sessionRows().count()).toBe(2);
    expect(sent.filter((path) => path.endsWith("/LogoutAll"))).toEqual([]);
    for (const accessToken of [token, other.accessToken]) {
      expect((await rest().getProfile(id, accessToken)).id).toBe(id);
    }
  });
});

describe("the console's security log", () => {
  it("shows account creation, a failed and a successful sign-in in words, newest first", async () => {
    const account = newAccount("log");
    await signedIn(account, () => failure(phone().login({ ...account, password: "not the password at all" })));

    await expect.poll(logEntries).toEqual([
      ["Sign-in", "Success"],
      ["Sign-in", "Failure"],
      ["Account created", "Success"],
    ]);
    const table = page.getByRole("table", { name: /newest first/ });
    expect(await table.locator("th[scope=col]").allTextContents()).toEqual(["When", "What", "Outcome", "Address", "Browser or app"]);
    const [newest, failed] = [logRows().nth(0), logRows().nth(1)];
    expect(Math.abs(Date.parse((await newest.locator("time").getAttribute("datetime"))!) - Date.now())).toBeLessThan(60_000);
    expect(await newest.locator("td").nth(3).textContent()).toMatch(/127\.0\.0\.1/);
    expect(await newest.locator("td").nth(4).textContent()).toContain("HeadlessChrome");
    expect(await failed.locator("td").nth(4).textContent()).toBe(PHONE);
    expect(await failed.locator(".outcome").getAttribute("class")).toBe("outcome failure");
    // The whole User-Agent is at hand even where the cell cuts it short.
    expect(await newest.locator(".agent").getAttribute("title")).toContain("HeadlessChrome");
    expect(await page.getByRole("button", { name: "Show more" }).isHidden()).toBe(true);
    await screenshot(page, "console-security-log", { fullPage: true });
  });

  it("shows 20 entries first and the rest with Show more", async () => {
    const account = newAccount("paged");
    // 21 sign-ins beyond the limit of 20 sessions: 1 + 21 + the oldest sessions ended, over a page.
    const id = await signedIn(account, async () => {
      for (let i = 0; i < 21; i++) await phone().login(account);
    });
    const [row] = await t.sql<{ n: string }>("select count(*) as n from audit_events where user_id = $1", [id]);
    const total = Number(row!.n);
    expect(total).toBeGreaterThan(20);

    await expect.poll(() => logRows().count()).toBe(20);
    const more = page.getByRole("button", { name: "Show more" });
    await more.click();

    await expect.poll(() => logRows().count()).toBe(total);
    await more.waitFor({ state: "hidden" });
    expect(await status().textContent()).toBe(`${total - 20} more entries shown.`);
    const labels = (await logEntries()).map(([what]) => what);
    expect(labels.at(-1)).toBe("Account created");
    expect(labels).toContain("Session signed out (too many sessions, the oldest ends)");
    // Newest first across both pages.
    const times = await logRows().locator("time").evaluateAll((ts) => ts.map((t) => t.getAttribute("datetime")));
    expect(times).toEqual([...times].sort().reverse());
  });
});

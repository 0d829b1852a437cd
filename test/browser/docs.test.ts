// The API docs in a real Chromium: Swagger UI at /docs, with "Try it out"
// calling this server (a public call, then one with the bearer token from
// the Authorize dialog), and ReDoc at /redoc, all served by us.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { consoleErrors, launchBrowser, screenshot, type Browser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let t: TestServer;
let browser: Browser;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Opens a page and records every URL it got a response from. */
async function open(path: string): Promise<{ page: Page; errors: string[]; requested: string[] }> {
  const page = await browser.newPage();
  const errors = consoleErrors(page);
  const requested: string[] = [];
  page.on("response", (response) => requested.push(response.url()));
  await page.goto(`${t.baseUrl}${path}`);
  return { page, errors, requested };
}

/** Expands an operation in Swagger UI and presses "Try it out". */
async function tryItOut(page: Page, operationId: string) {
  const operation = page.locator(`[id$="-${operationId}"]`);
  await operation.locator(".opblock-summary").first().click();
  await operation.getByRole("button", { name: "Try it out" }).click();
  return operation;
}

async function execute(operation: ReturnType<Page["locator"]>) {
  await operation.getByRole("button", { name: "Execute" }).click();
  const status = operation.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor({ timeout: 10_000 });
  const body = (await operation.locator(".live-responses-table .response-col_description pre").first().textContent()) ?? "";
  return { status: (await status.textContent())?.trim(), body };
}

describe("Swagger UI at /docs", () => {
  it("calls the server with Try it out, with and without the bearer token, loading nothing from elsewhere", async () => {
    const { page, errors, requested } = await open("/docs");
    await page.getByRole("heading", { name: /auth-service REST API/ }).waitFor();

    const account = newAccount("swagger");
    const register = await tryItOut(page, "AuthService_Register");
    await register.locator("textarea.body-param__text").fill(JSON.stringify(account));
    const registered = await execute(register);
    expect(registered.status).toBe("200");
    const { id } = JSON.parse(registered.body) as { id: string };
    expect(await t.sql("select id from users where id = $1", [id])).toHaveLength(1);

    const { accessToken } = await restDoor(t.baseUrl).login(account);
    await page.getByRole("button", { name: "Authorize" }).first().click();
    await page.locator(".modal-ux input[type=text]").fill(accessToken);
    await page.locator(".modal-ux button.authorize").click();
    await page.locator(".modal-ux button.btn-done").click();

    const getProfile = await tryItOut(page, "ProfileService_GetProfile");
    await getProfile.locator('input[placeholder="id"]').fill(id);
    const profile = await execute(getProfile);
    expect(profile.status).toBe("200");
    expect(JSON.parse(profile.body)).toMatchObject({ id, user: account.user, email: account.email });
    await screenshot(page, "docs-try-it-out");

    expect(errors).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(t.baseUrl))).toEqual([]);
    await page.close();
  });
});

describe("ReDoc at /redoc", () => {
  it("renders every operation from /openapi.json, loading nothing from elsewhere", async () => {
    const { page, errors, requested } = await open("/redoc");
    await page.getByRole("heading", { name: /auth-service REST API/ }).waitFor();
    for (const summary of ["Register creates an account", "GetProfile returns the caller's profile."]) {
      await page.getByRole("heading", { name: summary }).first().waitFor();
    }
    await screenshot(page, "redoc");

    expect(requested.filter((url) => !url.startsWith(t.baseUrl) && !url.startsWith("blob:"))).toEqual([]);
    // ReDoc always tries its logo from a CDN; the page's CSP blocks it, and that is all it reports.
    expect(errors.filter((e) => !e.includes("https://cdn.redoc.ly/"))).toEqual([]);
    await page.close();
  });
});

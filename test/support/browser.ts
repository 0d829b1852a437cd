// Debian's Chromium driven by playwright-core: no browser download, a fresh
// profile per launch, and screenshots kept under test-results/ (gitignored)
// as artifacts of the run.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const screenshotDir = join(process.cwd(), "test-results", "browser");

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  }
  const profile = mkdtempSync(join(tmpdir(), "auth-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 720 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Fail a step with Playwright's own message, well before the test's timeout.
  context.setDefaultTimeout(10_000);
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The viewport as a PNG under test-results/browser; `fullPage` for the whole scrollable page. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: options.fullPage ?? false });
}

/**
 * A new tab on the console with nothing left from the last test: no cookies
 * and an empty sessionStorage. `beforeLoad` runs before the page first loads
 * (to install a fake clock, say). The page's errors are collected from the start.
 */
export async function freshConsolePage(
  browser: Browser,
  url: string,
  beforeLoad?: (page: Page) => Promise<void>,
): Promise<{ page: Page; errors: string[] }> {
  await browser.context.clearCookies();
  const page = await browser.newPage();
  const errors = consoleErrors(page);
  await beforeLoad?.(page);
  await page.goto(url);
  await page.evaluate("sessionStorage.clear()");
  await page.reload();
  return { page, errors };
}

/**
 * Collects the errors a page reports (script errors, CSP violations, blocked
 * loads), except Chromium's note on each HTTP error response: an API call
 * that fails on purpose is not a page error.
 */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() !== "error") return;
    if (/^Failed to load resource: the server responded with a status of \d+/.test(message.text())) return;
    errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

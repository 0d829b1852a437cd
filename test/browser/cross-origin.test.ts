// A web app on another origin calls the API through connect-web in a real
// Chromium: allowed when its origin is in CORS_ORIGINS, refused otherwise.
// The app is served by a second tiny server, on two ports (two origins).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { newAccount } from "../support/fixtures.js";
import { launchBrowser, type Browser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import type { FlowResult } from "./fixtures/cross-origin-client.js";

let t: TestServer;
let browser: Browser;
let appServers: Server[] = [];
let allowedOrigin: string;
let otherOrigin: string;

async function startAppServer(script: string): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else if (req.url === "/") {
      res
        .writeHead(200, { "content-type": "text/html" })
        .end('<!doctype html><title>Another app</title><script type="module" src="/app.js"></script>');
    } else {
      res.writeHead(404).end();
    }
  });
  appServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("./fixtures/cross-origin-client.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "warning",
  });
  const script = bundle.outputFiles[0]!.text;
  [allowedOrigin, otherOrigin] = await Promise.all([startAppServer(script), startAppServer(script)]);
  [t, browser] = await Promise.all([startTestServer({ CORS_ORIGINS: allowedOrigin }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await Promise.all(appServers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function runFlow(origin: string, protocol: "connect" | "grpc-web", account: ReturnType<typeof newAccount>) {
  const page = await browser.newPage();
  const corsErrors: string[] = [];
  page.on("console", (m) => {
    if (m.text().includes("blocked by CORS policy")) corsErrors.push(m.text());
  });
  await page.goto(origin);
  await page.waitForFunction(() => "accountFlow" in globalThis);
  const result = await page.evaluate(
    ([baseUrl, p, a]) =>
      (globalThis as unknown as { accountFlow: (...args: unknown[]) => Promise<FlowResult> }).accountFlow(baseUrl, p, a),
    [t.baseUrl, protocol, account] as const,
  );
  return { result, corsErrors, page };
}

const usersWithEmail = async (email: string) =>
  Number((await t.sql<{ n: string }>("select count(*) as n from users where email = $1", [email]))[0]!.n);

describe("calls from a web app on another origin", () => {
  it.each(["connect", "grpc-web"] as const)("succeed over %s when the origin is in CORS_ORIGINS", async (protocol) => {
    const account = newAccount(protocol);
    const { result, page } = await runFlow(allowedOrigin, protocol, account);
    expect(result).toEqual({ ok: true, user: account.user });
    await page.close();
  });

  it("are refused by the browser for any other origin, before the request reaches the service", async () => {
    const account = newAccount("other");
    const { result, corsErrors, page } = await runFlow(otherOrigin, "connect", account);

    expect(result).toMatchObject({ ok: false, code: "Unknown", message: "Failed to fetch" });
    expect(corsErrors.join("\n")).toContain(`from origin '${otherOrigin}' has been blocked by CORS policy`);
    // The preflight was refused, so the registration was never sent.
    expect(await usersWithEmail(account.email)).toBe(0);
    await page.close();
  });
});

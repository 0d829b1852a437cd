// The web files: what is served where, with which headers, and that no
// request can reach a file outside the assets folder.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaticSite } from "../../src/server/web/static-site.js";
import { openApiFile, webAssetsDir } from "../../src/server/web/web-site.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** A raw HTTP/1.1 request: the path is sent exactly as given, never normalised like fetch would. */
function raw(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: options.method ?? "GET", headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

describe("the server's web files", () => {
  it("serves the console at / with a strict Content-Security-Policy and security headers", async () => {
    const res = await raw(t.baseUrl, "/");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body.toString()).toContain('<script type="module" src="/console.js"></script>');
    const csp = String(res.headers["content-security-policy"]);
    expect(csp.split("; ")).toEqual(
      expect.arrayContaining(["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]),
    );
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "cache-control": "no-cache",
    });
  });

  it("serves Swagger UI at /docs and ReDoc at /redoc, with their assets, from this server", async () => {
    for (const path of ["/docs", "/docs/", "/redoc", "/redoc/"]) {
      const res = await raw(t.baseUrl, path);
      expect(res.status, path).toBe(200);
      expect(String(res.headers["content-security-policy"]), path).toContain("frame-ancestors 'none'");
    }
    const docs = (await raw(t.baseUrl, "/docs")).body.toString();
    const redoc = (await raw(t.baseUrl, "/redoc")).body.toString();
    const assets = [...`${docs}${redoc}`.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(["/docs/swagger-ui-bundle.js", "/redoc/redoc.standalone.js"]));
    for (const asset of assets) {
      expect(asset, "no CDN").toMatch(/^\//);
      const res = await raw(t.baseUrl, asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  it("serves /openapi.json from docs/openapi.json", async () => {
    const res = await raw(t.baseUrl, "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.body.equals(readFileSync(openApiFile))).toBe(true);
  });

  it("answers HEAD without a body, If-None-Match with 304, and Accept-Encoding gzip with gzip", async () => {
    const plain = await raw(t.baseUrl, "/docs/swagger-ui-bundle.js");
    const head = await raw(t.baseUrl, "/docs/swagger-ui-bundle.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(plain.body.length));

    const etag = String(plain.headers.etag);
    const again = await raw(t.baseUrl, "/docs/swagger-ui-bundle.js", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const gzipped = await raw(t.baseUrl, "/docs/swagger-ui-bundle.js", { headers: { "accept-encoding": "gzip, br" } });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers.vary).toBe("accept-encoding");
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
    const refused = await raw(t.baseUrl, "/docs/swagger-ui-bundle.js", { headers: { "accept-encoding": "gzip;q=0" } });
    expect(refused.headers["content-encoding"]).toBeUndefined();
  });

  it("leaves other methods and unknown paths to the API, which answers 404", async () => {
    for (const [method, path] of [["POST", "/"], ["DELETE", "/docs"], ["GET", "/nothing-here.js"], ["GET", "/docs/missing.css"]] as const) {
      const res = await raw(t.baseUrl, path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: "not_found" });
    }
  });

  it("never serves a file outside the assets folder, however the path is written", async () => {
    const attempts = [
      "/../package.json",
      "/../../package.json",
      "/docs/../../package.json",
      "/%2e%2e/%2e%2e/package.json",
      "/..%2f..%2fpackage.json",
      "/docs/%2e%2e%2f%2e%2e%2fpackage.json",
      "/..%5c..%5cpackage.json",
      "/docs/..\\..\\package.json",
      "//etc/passwd",
      "/%2fetc%2fpasswd",
      "/index.html/../../../package.json",
      "/index.html%00.js",
      `/${webAssetsDir}/index.html`,
    ];
    for (const path of attempts) {
      const res = await raw(t.baseUrl, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain('"devDependencies"');
      expect(res.body.toString(), path).not.toContain("root:");
    }
  });
});

describe("createStaticSite", () => {
  let folder: string;
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    // A secret beside the site root, and one beside a served single file.
    folder = mkdtempSync(join(tmpdir(), "static-site-"));
    mkdirSync(join(folder, "site", "sub"), { recursive: true });
    writeFileSync(join(folder, "site", "index.html"), "<p>home</p>");
    writeFileSync(join(folder, "site", "sub", "page.txt"), "page");
    writeFileSync(join(folder, "secret.txt"), "top secret");
    writeFileSync(join(folder, "single.json"), "{}");
    const site = createStaticSite({ root: join(folder, "site"), files: { "/single.json": join(folder, "single.json") } });
    server = createServer((req, res) => {
      if (!site(req, res)) res.writeHead(404).end("not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  });

  it("serves exactly the files under its root and the listed single files", async () => {
    expect((await raw(baseUrl, "/")).body.toString()).toBe("<p>home</p>");
    expect((await raw(baseUrl, "/sub/page.txt")).body.toString()).toBe("page");
    expect((await raw(baseUrl, "/single.json")).body.toString()).toBe("{}");
    for (const path of ["/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt", "/secret.txt"]) {
      const res = await raw(baseUrl, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain("top secret");
    }
  });

  it("serves only its single files when the root does not exist", () => {
    const site = createStaticSite({ root: join(folder, "missing"), files: { "/single.json": join(folder, "single.json") } });
    expect(site.built).toBe(false);
    expect(site.paths).toEqual(["/single.json"]);
  });
});

/**
 * Serves the built web assets (the console at /, Swagger UI at /docs, ReDoc
 * at /redoc; see scripts/build-web.mjs) and a few single files such as
 * /openapi.json. Everything is read into memory at start-up and looked up
 * by exact path, so a request can only ever get one of those files: there is
 * no path joining, hence no path traversal. Rebuilt assets need a restart.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { NodeRequest, NodeResponse, PathHandler } from "../http-handler.js";
import { htmlSecurityHeaders, securityHeaders } from "./security-headers.js";

export interface StaticSiteOptions {
  /** The folder of built assets; when it does not exist only `files` are served. */
  root: string;
  /** Single files to serve too: URL path -> file path. */
  files?: Readonly<Record<string, string>>;
  /** More URL paths for built assets: URL path -> the asset's own URL path (e.g. a page the console handles). */
  aliases?: Readonly<Record<string, string>>;
}

export type StaticSite = PathHandler & {
  /** Whether the built assets were found. */
  readonly built: boolean;
  /** The URL paths served, aliases included. */
  readonly paths: readonly string[];
};

interface Asset {
  body: Buffer;
  headers: Record<string, string>;
  compressible: boolean;
  gzipped?: Promise<Buffer>;
}

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};
const compressibleTypes = new Set([".html", ".js", ".css", ".json", ".map", ".txt", ".svg"]);
/** Below this, gzip saves less than it costs. */
const MIN_GZIP_BYTES = 1024;
const gzipAsync = promisify(gzip);

export function createStaticSite(options: StaticSiteOptions): StaticSite {
  const assets = new Map<string, Asset>();
  const built = existsSync(options.root);
  if (built) {
    for (const file of filesUnder(options.root)) {
      const urlPath = `/${relative(options.root, file).split(sep).join("/")}`;
      const asset = load(file, urlPath);
      assets.set(urlPath, asset);
      // A folder's index.html is also the folder: /docs/index.html at /docs and /docs/.
      if (urlPath.endsWith("/index.html")) {
        const folder = urlPath.slice(0, -"index.html".length);
        assets.set(folder, asset);
        if (folder !== "/") assets.set(folder.slice(0, -1), asset);
      }
    }
  }
  for (const [urlPath, file] of Object.entries(options.files ?? {})) {
    assets.set(urlPath, load(file, urlPath));
  }
  for (const [alias, urlPath] of Object.entries(options.aliases ?? {})) {
    const asset = assets.get(urlPath);
    if (asset !== undefined) assets.set(alias, asset);
  }

  const handler = (req: NodeRequest, res: NodeResponse): boolean => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = (req.url ?? "").split("?", 1)[0] ?? "";
    const asset = assets.get(path);
    if (asset === undefined) return false;
    serve(asset, req, res).catch(() => res.destroy());
    return true;
  };
  return Object.assign(handler, { built, paths: [...assets.keys()].sort() });
}

async function serve(asset: Asset, req: NodeRequest, res: NodeResponse): Promise<void> {
  const headers: Record<string, string> = { ...asset.headers };
  if (req.headers["if-none-match"] === headers.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let body = asset.body;
  if (asset.compressible && acceptsGzip(req.headers["accept-encoding"])) {
    asset.gzipped ??= gzipAsync(asset.body);
    body = await asset.gzipped;
    headers["content-encoding"] = "gzip";
  }
  headers["content-length"] = String(body.length);
  res.writeHead(200, headers);
  if (req.method === "HEAD") res.end();
  else res.end(body);
}

function load(file: string, urlPath: string): Asset {
  const body = readFileSync(file);
  const extension = extname(file);
  const compressible = compressibleTypes.has(extension) && body.length >= MIN_GZIP_BYTES;
  const headers: Record<string, string> = {
    "content-type": types[extension] ?? "application/octet-stream",
    // Revalidate every time; the ETag makes that a 304 when nothing changed.
    "cache-control": "no-cache",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
    ...securityHeaders,
    ...(extension === ".html" ? htmlSecurityHeaders(urlPath) : {}),
    ...(compressible ? { vary: "accept-encoding" } : {}),
  };
  return { body, headers, compressible };
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    return coding?.trim() === "gzip" && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

// Where the served web files live: the build's output (scripts/build-web.mjs)
// and the generated OpenAPI document (scripts/generate-api-docs.ts).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createStaticSite, type StaticSite } from "./static-site.js";

const projectRoot = folderWithPackageJson(import.meta.url);

export const webAssetsDir = fileURLToPath(new URL("dist/web", projectRoot));
export const openApiFile = fileURLToPath(new URL("docs/openapi.json", projectRoot));

/**
 * Where the links in mail lead (src/mail/templates.ts): the console's page,
 * which reads the token and posts it to the API. The API's own routes at
 * these paths take POST only, so a GET here is a person following a link.
 */
export const mailLinkPages = ["/verify-email", "/password-reset"] as const;

/** The console at / (and at the mail-link pages), Swagger UI at /docs, ReDoc at /redoc, and /openapi.json. */
export function createWebSite(): StaticSite {
  return createStaticSite({
    root: webAssetsDir,
    files: { "/openapi.json": openApiFile },
    aliases: Object.fromEntries(mailLinkPages.map((path) => [path, "/"])),
  });
}

/** The nearest folder up from `file` with a package.json: the same from src/ (tsx) and dist/server/src/ (npm start). */
function folderWithPackageJson(file: string): URL {
  for (let dir = new URL(".", file); ; dir = new URL("..", dir)) {
    if (existsSync(new URL("package.json", dir))) return dir;
    if (dir.pathname === "/") throw new Error(`no package.json above ${file}`);
  }
}

// Where the served web files live: the build's output (scripts/build-web.ts)
// and the generated OpenAPI document (scripts/generate-api-docs.ts).
import { fileURLToPath } from "node:url";
import { createStaticSite, type StaticSite } from "./static-site.js";

const projectRoot = new URL("../../../", import.meta.url);

export const webAssetsDir = fileURLToPath(new URL("dist/web", projectRoot));
export const openApiFile = fileURLToPath(new URL("docs/openapi.json", projectRoot));

/** The console at /, Swagger UI at /docs, ReDoc at /redoc, and /openapi.json. */
export function createWebSite(): StaticSite {
  return createStaticSite({ root: webAssetsDir, files: { "/openapi.json": openApiFile } });
}

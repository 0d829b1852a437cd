// Builds what the server serves at /, /docs and /redoc into dist/web:
// web/public as is, the console bundled by esbuild from web/console, and the
// Swagger UI and ReDoc bundles from their npm packages (served by us, so the
// pages work offline and load nothing from a CDN).
//
//   tsx scripts/build-web.ts               build
//   tsx scripts/build-web.ts --if-missing  build only when dist/web is absent (npm start)
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
export const webOutDir = join(root, "dist", "web");

/** Vendor files: [npm file, path under dist/web]. */
const vendored: [string, string][] = [
  ["swagger-ui-dist/swagger-ui-bundle.js", "docs/swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt", "docs/swagger-ui-bundle.js.LICENSE.txt"],
  ["swagger-ui-dist/swagger-ui.css", "docs/swagger-ui.css"],
  ["swagger-ui-dist/LICENSE", "docs/LICENSE.txt"],
  ["redoc/bundles/redoc.standalone.js", "redoc/redoc.standalone.js"],
  ["redoc/bundles/redoc.standalone.js.LICENSE.txt", "redoc/redoc.standalone.js.LICENSE.txt"],
  ["redoc/LICENSE", "redoc/LICENSE.txt"],
];

export async function buildWeb(finalDir: string = webOutDir): Promise<void> {
  // Built aside, then moved into place: a server starting meanwhile never
  // reads a half-built folder.
  const outDir = `${finalDir}.${process.pid}.tmp`;
  rmSync(outDir, { recursive: true, force: true });
  cpSync(join(root, "web", "public"), outDir, { recursive: true });
  const require = createRequire(import.meta.url);
  for (const [from, to] of vendored) {
    const target = join(outDir, to);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(require.resolve(from), target);
  }
  await build({
    entryPoints: [join(root, "web", "console", "main.ts")],
    outfile: join(outDir, "console.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    sourcemap: "linked",
    tsconfig: join(root, "web", "tsconfig.json"),
    logLevel: "warning",
  });
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(outDir, finalDir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-missing") && existsSync(join(webOutDir, "index.html"))) process.exit(0);
  await buildWeb();
  console.log(`web assets built into ${webOutDir}`);
}

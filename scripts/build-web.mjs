// Builds what the server serves at /, /docs and /redoc into dist/web:
// web/public as is, the console bundled by esbuild from web/console, and the
// Swagger UI and ReDoc bundles from their npm packages (served by us, so the
// pages work offline and load nothing from a CDN).
//
//   node scripts/build-web.mjs               build
//   node scripts/build-web.mjs --if-missing  build only when dist/web is absent (npm start)
//
// Plain JavaScript, like build-server.mjs: `npm start` runs it every time,
// and loading a TypeScript runner only to find the assets already built
// took about a third of the start-up.
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const webOutDir = join(root, "dist", "web");

/** Vendor files: [npm file, path under dist/web]. */
const vendored = [
  ["swagger-ui-dist/swagger-ui-bundle.js", "docs/swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt", "docs/swagger-ui-bundle.js.LICENSE.txt"],
  ["swagger-ui-dist/swagger-ui.css", "docs/swagger-ui.css"],
  ["swagger-ui-dist/LICENSE", "docs/LICENSE.txt"],
  ["redoc/bundles/redoc.standalone.js", "redoc/redoc.standalone.js"],
  ["redoc/bundles/redoc.standalone.js.LICENSE.txt", "redoc/redoc.standalone.js.LICENSE.txt"],
  ["redoc/LICENSE", "redoc/LICENSE.txt"],
];

async function buildWeb() {
  // Loaded only when there is something to build.
  const { build } = await import("esbuild");
  // Built aside, then moved into place: a server starting meanwhile never
  // reads a half-built folder.
  const outDir = `${webOutDir}.${process.pid}.tmp`;
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
  rmSync(webOutDir, { recursive: true, force: true });
  renameSync(outDir, webOutDir);
}

if (!(process.argv.includes("--if-missing") && existsSync(join(webOutDir, "index.html")))) {
  await buildWeb();
  console.log(`web assets built into ${webOutDir}`);
}

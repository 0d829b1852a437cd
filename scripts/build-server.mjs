// Compiles the service (src/ and gen/) to plain JavaScript in dist/server,
// which `npm start` runs with node: no TypeScript loader in the running
// process (tsx's loader thread costs ~50 MiB and seconds of start-up, see
// bench/FINDINGS.md). Transpile only, file by file, so it takes well under a
// second and runs before every start: dist/server is never older than src/.
// Types are checked by `npm run typecheck`, not here.
//
//   node scripts/build-server.mjs
//
// Plain JavaScript so that it runs before tsx would even have loaded.
import { cpSync, readdirSync, renameSync, rmSync } from "node:fs";
import { build } from "esbuild";

const outDir = "dist/server";
const tmpDir = `${outDir}.${process.pid}.tmp`;
rmSync(tmpDir, { recursive: true, force: true });
await build({
  entryPoints: ["src/**/*.ts", "gen/**/*.ts"],
  outdir: tmpDir,
  outbase: ".",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
// Plain JavaScript modules (the password-work thread) are copied as they are.
for (const file of readdirSync("src", { recursive: true, encoding: "utf8" })) {
  if (file.endsWith(".mjs")) cpSync(`src/${file}`, `${tmpDir}/src/${file}`);
}
// Swapped in whole: a server starting meanwhile never reads a half-built tree.
rmSync(outDir, { recursive: true, force: true });
renameSync(tmpDir, outDir);

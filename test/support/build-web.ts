// Builds the web assets (dist/web) once per run, so the console and docs
// that the servers under test serve are those of the current sources.
import { execFileSync } from "node:child_process";

export default function setup() {
  execFileSync(process.execPath, ["scripts/build-web.mjs"], { stdio: "inherit" });
}

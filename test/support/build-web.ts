// Builds the web assets (dist/web) once per run, so the console and docs
// that the servers under test serve are those of the current sources.
import { buildWeb } from "../../scripts/build-web.js";

export default async function setup() {
  await buildWeb();
}

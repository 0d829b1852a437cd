// One PostgreSQL for the whole run: the server at TEST_DATABASE_URL when set
// (CI points it at the machine's PostgreSQL), otherwise an embedded one in a
// temporary folder, exactly as `npm start` uses on a fresh clone. Each test
// file then creates its own database in it (see test-server.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL of a database in which the tests may CREATE DATABASE. */
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL;
  if (given !== undefined && given !== "") {
    project.provide("adminDatabaseUrl", given);
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), "auth-test-"));
  const embedded = await startEmbeddedPostgres({ dataDir, database: "postgres" });
  project.provide("adminDatabaseUrl", embedded.url);
  return async () => {
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

// Health follows the database: a server on a PostgreSQL of its own, which
// the test stops and starts again (a real outage: the process goes away and
// connections are refused), then a shutdown.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { Health, HealthCheckResponse_ServingStatus as Status, type HealthCheckResponse } from "../../gen/grpc/health/v1/health_pb.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded-postgres.js";
import { newAccount } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const dataDir = mkdtempSync(join(tmpdir(), "auth-health-outage-"));
let database: EmbeddedDatabase | undefined;
let port: number | undefined;
let t: TestServer;

const startDatabase = async () => {
  database = await startEmbeddedPostgres({ dataDir, ...(port ? { port } : {}) });
  port = Number(new URL(database.url).port);
};

beforeAll(async () => {
  await startDatabase();
  // A short interval, so Watch hears of the outage soon; no assertion depends on it.
  t = await startTestServer({ HEALTH_CHECK_INTERVAL_MS: "100" }, undefined, { databaseUrl: database!.url });
});

afterAll(async () => {
  await t?.close();
  await database?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it("turns NOT_SERVING while the database is down, SERVING when it is back, and NOT_SERVING on shutdown", async () => {
  const baseUrl = t.baseUrl;
  const transport = createGrpcTransport({ baseUrl });
  const health = createClient(Health, transport);
  const auth = createClient(AuthService, transport);
  const readyz = async () => (await fetch(`${baseUrl}/readyz`)).status;
  const watch: AsyncIterator<HealthCheckResponse> = health.watch({ service: "" })[Symbol.asyncIterator]();
  const nextWatched = async () => (await watch.next()).value?.status;

  expect(await nextWatched()).toBe(Status.SERVING);
  expect((await health.check({ service: "auth.v1.AuthService" })).status).toBe(Status.SERVING);
  expect(await readyz()).toBe(200);

  await database!.stop();
  expect(await nextWatched()).toBe(Status.NOT_SERVING);
  expect((await health.check({ service: "" })).status).toBe(Status.NOT_SERVING);
  expect((await health.check({ service: "auth.v1.ProfileService" })).status).toBe(Status.NOT_SERVING);
  expect(await readyz()).toBe(503);
  // Liveness does not depend on the database: restarting the process would not help.
  expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  // Calls fail closed with unavailable, not internal.
  const down = await auth.register(newAccount("outage")).catch((e: unknown) => ConnectError.from(e));
  expect((down as ConnectError).code).toBe(Code.Unavailable);

  await startDatabase();
  expect(await nextWatched()).toBe(Status.SERVING);
  expect((await health.check({ service: "" })).status).toBe(Status.SERVING);
  expect(await readyz()).toBe(200);
  // The service recovered by itself: the pool reconnects.
  expect((await auth.register(newAccount("outage"))).message).toBe("account created");

  // Shutdown fails readiness first; the Watch stream hears it and ends.
  const closing = t.server.close(5_000);
  expect(await nextWatched()).toBe(Status.NOT_SERVING);
  expect((await watch.next()).done).toBe(true);
  await closing;
});

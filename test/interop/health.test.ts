// grpc.health.v1 and the plain HTTP probes on a healthy server. The outage
// and shutdown cases are in health-database-outage.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let t: TestServer;
let health: ReturnType<typeof createClient<typeof Health>>;
beforeAll(async () => {
  t = await startTestServer();
  health = createClient(Health, createGrpcTransport({ baseUrl: t.baseUrl }));
});
afterAll(() => t?.close());

describe("grpc.health.v1.Health, without an access token", () => {
  it.each(["", "auth.v1.AuthService", "auth.v1.ProfileService"])("Check(%j) is SERVING while the database answers", async (service) => {
    expect((await health.check({ service })).status).toBe(Status.SERVING);
  });

  it("Check of an unknown service fails with not_found", async () => {
    const error = await health.check({ service: "auth.v1.NoSuchService" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
  });

  it("List gives the server's and every service's status", async () => {
    const { statuses } = await health.list({});
    expect(Object.fromEntries(Object.entries(statuses).map(([name, s]) => [name, s.status]))).toEqual({
      "": Status.SERVING,
      "auth.v1.AuthService": Status.SERVING,
      "auth.v1.ProfileService": Status.SERVING,
      "auth.v1.AccountRecoveryService": Status.SERVING,
      "auth.v1.SessionService": Status.SERVING,
    });
  });

  it("Watch sends the current status at once and stays open", async () => {
    const abort = new AbortController();
    const stream = health.watch({ service: "" }, { signal: abort.signal })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.status).toBe(Status.SERVING);
    abort.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: Code.Canceled });
  });

  it("Watch of an unknown service sends SERVICE_UNKNOWN and keeps the stream open", async () => {
    const abort = new AbortController();
    const stream = health.watch({ service: "auth.v1.NoSuchService" }, { signal: abort.signal })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.status).toBe(Status.SERVICE_UNKNOWN);
    abort.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: Code.Canceled });
  });
});

describe("HTTP probes", () => {
  it("GET /healthz says the process is alive", async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz says the server can serve", async () => {
    const res = await fetch(`${t.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "SERVING" });
  });

  it("answers HEAD without a body and refuses other methods", async () => {
    const head = await fetch(`${t.baseUrl}/readyz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await fetch(`${t.baseUrl}/healthz`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});

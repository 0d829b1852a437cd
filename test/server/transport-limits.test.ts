// Connect-ES defaults are unbounded; these are the limits we set instead.
import { connect as http2Connect } from "node:http2";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ CORS_ORIGINS: "https://app.example" });
});
afterAll(() => t?.close());

const users = async () => Number((await t.sql<{ n: string }>("select count(*) n from users"))[0]!.n);
const connectJson = (body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${t.baseUrl}/auth.v1.AuthService/Register`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1", ...headers },
    body,
  });

describe("message size", () => {
  it("refuses a 10 MB Connect message with resource_exhausted and writes nothing", async () => {
    const before = await users();
    const res = await connectJson(JSON.stringify({ ...newAccount(), user: "x".repeat(10 * 1024 * 1024) }));
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ code: "resource_exhausted" });
    expect(await users()).toBe(before);
  });

  it("refuses a gzip bomb by its decompressed size", async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ ...newAccount(), user: "0".repeat(8 * 1024 * 1024) })));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await connectJson(bomb, { "content-encoding": "gzip" });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ code: "resource_exhausted" });
  });

  it("refuses an oversized gRPC message with resource_exhausted", async () => {
    const client = createClient(AuthService, createGrpcTransport({ baseUrl: t.baseUrl }));
    const err = await client.register({ ...newAccount(), user: "x".repeat(100 * 1024) }).catch((e) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
  });

  it("answers 413 to a REST body over the limit", async () => {
    const res = await fetch(`${t.baseUrl}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...newAccount(), user: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "resource_exhausted" });
  });
});

describe("time", () => {
  it("refuses a client deadline above the maximum", async () => {
    const res = await connectJson(JSON.stringify(newAccount()), { "connect-timeout-ms": "3600000" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("refuses a REST client deadline above the maximum too, and writes nothing", async () => {
    const before = await users();
    const res = await fetch(`${t.baseUrl}/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-timeout-ms": "3600000" },
      body: JSON.stringify(newAccount()),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_argument", message: "timeout 3600000ms must be <= 30000" });
    expect(await users()).toBe(before);
  });

  it("honours a short gRPC deadline", async () => {
    const client = createClient(AuthService, createGrpcTransport({ baseUrl: t.baseUrl }));
    const err = await client.register(newAccount(), { timeoutMs: 1 }).catch((e) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
  });
});

describe("protocol hygiene", () => {
  it("requires the Connect-Protocol-Version header on Connect POSTs", async () => {
    const res = await fetch(`${t.baseUrl}/auth.v1.AuthService/Register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(newAccount()),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("serves only side-effect-free RPCs over Connect GET", async () => {
    const client = createClient(AuthService, createConnectTransport({ baseUrl: t.baseUrl, httpVersion: "1.1", useHttpGet: true }));
    // Login is not NO_SIDE_EFFECTS, so the client itself POSTs it; a hand-made GET is refused.
    const res = await fetch(`${t.baseUrl}/auth.v1.AuthService/Login?connect=v1&encoding=json&message=%7B%7D`);
    expect(res.status).toBe(405);
    await expect(client.login({ email: "nobody@example.com", password: "whatever it is" })).rejects.toThrow();
  });

  it("advertises at most 100 concurrent HTTP/2 streams", async () => {
    const session = http2Connect(t.baseUrl);
    const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once("remoteSettings", resolve));
    session.close();
    expect(settings.maxConcurrentStreams).toBe(100);
  });

  it("answers unknown paths with a JSON 404", async () => {
    const res = await fetch(`${t.baseUrl}/no/such/path`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    fetch(`${t.baseUrl}/auth.v1.AuthService/Login`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,connect-protocol-version,authorization",
      },
    });

  it("allows a configured origin, with the headers Connect-web and gRPC-Web need", async () => {
    const res = await preflight("https://app.example");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("connect-protocol-version");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("gives any other origin no CORS headers", async () => {
    const res = await preflight("https://evil.example");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

/**
 * The same transcoder over HTTP/2 without TLS (h2c, prior knowledge): the
 * Node.js request/response objects differ from HTTP/1.1 (no Host header,
 * :authority, streams), so the main paths run here too.
 */
import * as http2 from "node:http2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { h2Request, startTestServer, created, type TestServer } from "./rest-test-server.js";

let server: TestServer;
let session: http2.ClientHttp2Session;
beforeAll(async () => {
  server = await startTestServer({ http2: true, maxBodyBytes: 1024 });
  session = http2.connect(server.url);
});
afterAll(async () => {
  session.close();
  await server.close();
});
beforeEach(() => {
  server.calls.length = 0;
  server.intercepted.length = 0;
});

const jsonHeaders = { "content-type": "application/json" };

describe("REST over h2c", () => {
  it("POST /register reaches the handler through the router's interceptor", async () => {
    const headers = { ...jsonHeaders, authorization: "Bearer h2" };
    const res = await h2Request(session, "POST", "/register", headers, JSON.stringify({ email: "ada@example.com" }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: "7d0c1b8e-0000-4000-8000-000000000001", message: "registered" });
    expect(server.calls).toMatchObject([{ rpc: "Register", authorization: "Bearer h2", request: { email: "ada@example.com" } }]);
    expect(server.intercepted).toHaveLength(1);
  });

  it("GET /profile/{id} returns the profile with snake_case names", async () => {
    const res = await h2Request(session, "GET", "/profile/p1");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.body)).toEqual({ id: "p1", user: "ada", email: "ada@example.com", created_at: created.toISOString(), email_verified: false });
  });

  it("maps errors to HTTP statuses with the REST error body", async () => {
    const res = await h2Request(session, "POST", "/register", jsonHeaders, JSON.stringify({ email: "taken@example.com" }));
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({ code: "already_exists", detail: "email taken" });
  });

  it("answers 415 for text/plain and 405 with Allow", async () => {
    expect((await h2Request(session, "POST", "/register", { "content-type": "text/plain" }, "x")).status).toBe(415);
    const res = await h2Request(session, "PATCH", "/register");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("POST");
  });

  it("answers 413 to an oversized body without calling the handler, and the session stays usable", async () => {
    const res = await h2Request(session, "POST", "/register", jsonHeaders, Buffer.alloc(200_000, 0x20));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: "resource_exhausted" });
    expect(server.calls).toEqual([]);
    const next = await h2Request(session, "GET", "/profile/p2");
    expect(next.status).toBe(200);
  });

  it("leaves unknown paths to the next handler", async () => {
    const res = await h2Request(session, "GET", "/nowhere");
    expect(res.status).toBe(404);
    expect(res.body).toBe("fallback");
  });
});

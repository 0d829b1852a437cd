/**
 * REST transcoding over HTTP/1.1, end to end: fetch -> node:http ->
 * createRestHandler -> the ConnectRouter's handlers and interceptors -> an
 * in-process implementation that records what it received.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { createRouterWithCalls } from "../../src/server/rest/in-process-calls.js";
import { createRestHandler } from "../../src/server/rest/rest-handler.js";
import { startTestServer, created, type TestServer } from "./rest-test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: 1024 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.calls.length = 0;
  server.intercepted.length = 0;
  server.errors.length = 0;
});

const json = "application/json";

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.url + path, {
    method: "POST",
    headers: { "content-type": json, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("REST request mapping", () => {
  it("POST /register passes the JSON body as the request and answers with proto field names", async () => {
    const res = await post("/register", { user: "ada", email: "ada@example.com", password: "correct horse" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(json);
    expect(await res.json()).toEqual({ id: "7d0c1b8e-0000-4000-8000-000000000001", message: "registered" });
    expect(server.calls).toMatchObject([
      { rpc: "Register", request: { user: "ada", email: "ada@example.com", password: "correct horse" } },
    ]);
  });

  it("POST /login answers with snake_case names (access_token, token_type, expires_in)", async () => {
    const res = await post("/login", { email: "ada@example.com", password: "pw" }, { "content-type": "application/json; charset=UTF-8" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      access_token: "token-for-ada@example.com",
      token_type: "bearer",
      expires_in: 3600,
      refresh_token: "",
      refresh_expires_in: 0,
    });
  });

  it("accepts both proto names and lowerCamelCase names in the body", async () => {
    const snake = await post("/lookup", { display_name: "snake" });
    const camel = await post("/lookup", { displayName: "camel" });
    expect(await snake.json()).toMatchObject({ display_name: "snake" });
    expect(await camel.json()).toMatchObject({ display_name: "camel" });
  });

  it("treats an empty body for body:\"*\" as an empty message, even without Content-Type", async () => {
    const res = await fetch(`${server.url}/login`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(server.calls).toMatchObject([{ rpc: "Login", request: { email: "", password: "" } }]);
  });

  it("GET /profile/{id} returns only the profile, with snake_case names and RFC 3339 timestamps", async () => {
    const res = await fetch(`${server.url}/profile/abc-123`, { headers: { authorization: "Bearer t0k" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: "abc-123",
      user: "ada",
      email: "ada@example.com",
      created_at: created.toISOString(),
      email_verified: false,
    });
    expect(server.calls).toMatchObject([{ rpc: "GetProfile", request: { id: "abc-123" }, authorization: "Bearer t0k" }]);
  });

  it("PUT /profile/{id}: the path id wins over an id in the body", async () => {
    const res = await fetch(`${server.url}/profile/from-path`, {
      method: "PUT",
      headers: { "content-type": json },
      body: JSON.stringify({ id: "from-body", user: "grace" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: "from-path", user: "grace", updated_at: created.toISOString() });
    expect(server.calls).toMatchObject([{ rpc: "UpdateProfile", request: { id: "from-path", user: "grace" } }]);
  });

  it("decodes percent-encoded path variables", async () => {
    await fetch(`${server.url}/profile/a%20b%2Fc`);
    expect(server.calls).toMatchObject([{ request: { id: "a b/c" } }]);
  });

  it("GET reads the other fields from the query string, coerced to their types", async () => {
    const query =
      "count=3&flag=true&tags=a&tags=b&color=COLOR_RED&big=9007199254740993" +
      "&at=2024-01-02T03:04:05Z&inner.key=k&inner.n=-2&displayName=x%20y&unknown=ignored";
    const res = await fetch(`${server.url}/items/thing?${query}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      item: {
        name: "thing",
        count: 3,
        flag: true,
        tags: ["a", "b"],
        color: "COLOR_RED",
        big: "9007199254740993",
        at: "2024-01-02T03:04:05Z",
        inner: { key: "k", n: -2 },
        display_name: "x y",
        labels: {},
      },
    });
  });

  it("does not let the query string override a path variable", async () => {
    await fetch(`${server.url}/profile/real?id=fake`);
    expect(server.calls).toMatchObject([{ request: { id: "real" } }]);
  });

  it.each([
    ["count=abc", "count"],
    ["count=1.5", "count"],
    ["flag=yes", "flag"],
    ["color=PURPLE", "color"],
    ["count=1&count=2", "count"],
    ["inner=x", "inner"],
    ["labels=x", "labels"],
  ])("answers 400 for the bad query %s, naming the field, without calling the handler", async (query, field) => {
    const res = await fetch(`${server.url}/items/thing?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string; details: unknown[] };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toContain(field);
    expect(server.calls).toEqual([]);
  });

  it("binds nested, multi-segment path variables", async () => {
    const res = await fetch(`${server.url}/v1/shelves/s%2F1/items`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ item: { inner: { key: "shelves/s%2F1" } } });
  });

  it("binds ** variables and custom verbs", async () => {
    const file = await fetch(`${server.url}/files/a/b/c.txt`);
    expect(await file.json()).toMatchObject({ item: { name: "a/b/c.txt" } });
    const cancel = await post("/items/x%3Ay:cancel", { count: 2 });
    expect(await cancel.json()).toMatchObject({ item: { name: "x:y", count: 2 } });
  });

  it("body:\"<field>\" fills that field; the query string fills the others", async () => {
    const res = await fetch(`${server.url}/items/n?count=4&inner.key=ignored`, {
      method: "PATCH",
      headers: { "content-type": json },
      body: JSON.stringify({ key: "from-body", n: 5 }),
    });
    expect(await res.json()).toMatchObject({ item: { name: "n", count: 4, inner: { key: "from-body", n: 5 } } });
  });

  it("serves additional_bindings with their own body and response_body", async () => {
    const get = await fetch(`${server.url}/lookup/one`);
    expect(await get.json()).toMatchObject({ item: { name: "one" } });
    const postRes = await post("/lookup", { name: "two" });
    expect(await postRes.json()).toMatchObject({ name: "two" });
  });

  it("passes context values and the authorization header, and runs the router's interceptors", async () => {
    await post("/register", { email: "ada@example.com" }, { authorization: "Bearer abc" });
    expect(server.calls).toMatchObject([{ authorization: "Bearer abc", contextValue: "rest POST" }]);
    expect(server.intercepted).toEqual([
      expect.stringMatching(/^auth\.v1\.AuthService\.Register http:\/\/127\.0\.0\.1:\d+\/auth\.v1\.AuthService\/Register$/),
    ]);
  });

  it("copies custom response headers, such as x-request-id", async () => {
    const res = await post("/register", { email: "ada@example.com" }, { "x-request-id": "req-42" });
    expect(res.headers.get("x-request-id")).toBe("req-42");
    expect(res.headers.get("connect-content-encoding")).toBeNull();
  });
});

describe("REST request rejections", () => {
  it("answers 415 for a body that is not JSON, without calling the handler", async () => {
    const res = await post("/register", "user=ada", { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      code: "invalid_argument",
      message: "Content-Type must be application/json",
      detail: "Content-Type must be application/json",
      details: [],
    });
    expect(server.calls).toEqual([]);
  });

  it("answers 415 for a body without Content-Type", async () => {
    const res = await fetch(`${server.url}/register`, { method: "POST", body: new Uint8Array([123, 125]) });
    expect(res.status).toBe(415);
  });

  it("answers 413 when Content-Length announces too large a body, without calling the handler", async () => {
    const res = await post("/register", { user: "x".repeat(2000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "resource_exhausted", message: "request body is larger than 1024 bytes" });
    expect(server.calls).toEqual([]);
  });

  it("answers 413 as soon as a streamed body passes the limit, without calling the handler", async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far more than the limit, in 512-byte chunks, if anyone kept reading.
        if (++pulls > 10_000) controller.close();
        else controller.enqueue(new TextEncoder().encode(" ".repeat(512)));
      },
    });
    const res = await fetch(`${server.url}/register`, {
      method: "POST",
      headers: { "content-type": json },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(server.calls).toEqual([]);
    expect(pulls).toBeLessThan(10_000);
  });

  it("answers 400 for broken JSON, without calling the handler", async () => {
    const res = await post("/register", '{"user": "ada",');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toMatch(/^request body is not valid JSON/);
    expect(server.calls).toEqual([]);
  });

  it("answers 400 for a wrong-typed field, naming it in a BadRequest detail", async () => {
    const res = await post("/register", { user: "ada", email: 42 });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: "invalid_argument",
      message: 'invalid value for field "email": expected string, got 42',
      detail: 'invalid value for field "email": expected string, got 42',
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [{ field: "email", description: "expected string, got 42" }],
        },
      ],
    });
    expect(server.calls).toEqual([]);
  });

  it("answers 400 for JSON that is not an object", async () => {
    const res = await post("/register", "[1]");
    expect(res.status).toBe(400);
    expect(server.calls).toEqual([]);
  });

  it("answers 405 with Allow for a known path and an unrouted method", async () => {
    const res = await fetch(`${server.url}/profile/abc`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, PUT");
    expect(await res.json()).toMatchObject({ code: "unimplemented" });
    const register = await fetch(`${server.url}/register`);
    expect(register.status).toBe(405);
    expect(register.headers.get("allow")).toBe("POST");
  });

  it("leaves unknown paths to the next handler", async () => {
    const res = await fetch(`${server.url}/nowhere`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("fallback");
  });
});

describe("REST errors", () => {
  it("maps already_exists to 409 with code, message, detail and typed details", async () => {
    const res = await post("/register", { email: "taken@example.com" });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      code: "already_exists",
      message: "email taken",
      detail: "email taken",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "ERROR_REASON_EMAIL_TAKEN",
          domain: "auth.v1",
        },
      ],
    });
  });

  it("maps resource_exhausted with RetryInfo to 429 and Retry-After (rounded up)", async () => {
    const res = await post("/register", { email: "busy@example.com" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toMatchObject({
      code: "resource_exhausted",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.500s" }],
    });
  });

  it("answers 500 internal without leaking an unexpected exception's text", async () => {
    const res = await post("/register", { email: "boom@example.com" });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ code: "internal", message: "internal error", detail: "internal error", details: [] });
    expect(text).not.toContain("hunter2");
  });

  it("aborts the handler's signal when the client disconnects", async () => {
    const client = new AbortController();
    const request = fetch(`${server.url}/login`, {
      method: "POST",
      headers: { "content-type": json },
      body: JSON.stringify({ email: "hang@example.com" }),
      signal: client.signal,
    }).catch((e: unknown) => e);
    await server.hangEntered;
    client.abort();
    await request;
    expect(String(await server.hangAborted)).toContain("canceled");
  });
});

describe("createRestHandler start-up", () => {
  it("exposes its route table", () => {
    const { router, calls } = createRouterWithCalls({});
    router.service(AuthService, {});
    const rest = createRestHandler({ services: [AuthService], calls, maxBodyBytes: 1 });
    expect(rest.routes.map((r) => `${r.httpMethod} ${r.pathTemplate} ${r.rpc.name}`)).toEqual([
      "POST /register Register",
      "POST /login Login",
      "POST /refresh Refresh",
      "POST /logout Logout",
      "POST /logout/all LogoutAll",
    ]);
  });

  it("refuses a route whose service is not on the router", () => {
    const { calls } = createRouterWithCalls({});
    expect(() => createRestHandler({ services: [AuthService], calls, maxBodyBytes: 1 })).toThrow(
      "no handler for auth.v1.AuthService.Register",
    );
  });
});

// createRouterWithCalls: the in-process unary calls REST is served by must
// behave like a call through the router (same interceptors, deadlines,
// shutdown, error handling) and leave nothing behind.
import { getEventListeners } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, createContextValues, type Interceptor } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { AuthService, RegisterRequestSchema } from "../../gen/auth/v1/auth_service_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { createRouterWithCalls, type InProcessCall } from "../../src/server/rest/in-process-calls.js";

const kTag = createContextKey("none", { description: "test tag" });
const register = AuthService.method.register;
const input = create(RegisterRequestSchema, { user: "ada", email: "ada@example.com", password: "x" });

function callInit(overrides: Partial<InProcessCall> = {}): InProcessCall {
  return {
    protocolName: "rest",
    requestMethod: "POST",
    url: "http://127.0.0.1/auth.v1.AuthService/Register",
    header: new Headers(),
    controller: new AbortController(),
    ...overrides,
  };
}

describe("in-process calls", () => {
  it("run the router's interceptors in order around the implementation, with the caller's headers and context values", async () => {
    const seen: string[] = [];
    const tagging = (name: string): Interceptor => (next) => async (req) => {
      seen.push(`${name} ${req.method.name} ${req.header.get("authorization")} ${req.contextValues.get(kTag)}`);
      const res = await next(req);
      res.header.set(`x-${name}`, "1");
      return res;
    };
    const { router, calls } = createRouterWithCalls({ interceptors: [tagging("outer"), tagging("inner")] });
    router.service(AuthService, {
      register(req, ctx) {
        seen.push(`impl ${req.email} ${ctx.protocolName} ${ctx.requestMethod}`);
        ctx.responseHeader.set("x-impl", "1");
        return { id: "u1", message: "registered" };
      },
    });

    const result = await calls.call(
      register,
      input,
      callInit({ header: new Headers({ authorization: "Bearer t" }), contextValues: createContextValues().set(kTag, "tagged") }),
    );

    expect(seen).toEqual([
      "outer Register Bearer t tagged",
      "inner Register Bearer t tagged",
      "impl ada@example.com rest POST",
    ]);
    expect(result.ok && result.message).toMatchObject({ id: "u1", message: "registered" });
    expect([...result.header.keys()].sort()).toEqual(["x-impl", "x-inner", "x-outer"]);
  });

  it("refuse a connect-timeout-ms above maxTimeoutMs with invalid_argument, without calling the implementation", async () => {
    let called = false;
    const { router, calls } = createRouterWithCalls({ maxTimeoutMs: 1000 });
    router.service(AuthService, {
      register() {
        called = true;
        return {};
      },
    });
    const result = await calls.call(register, input, callInit({ header: new Headers({ "connect-timeout-ms": "3600000" }) }));
    expect(result.ok).toBe(false);
    expect(!result.ok && [result.error.code, result.error.rawMessage]).toEqual([Code.InvalidArgument, "timeout 3600000ms must be <= 1000"]);
    expect(called).toBe(false);
  });

  it("abort the implementation's signal with deadline_exceeded when a short connect-timeout-ms passes", async () => {
    const { router, calls } = createRouterWithCalls({ maxTimeoutMs: 1000 });
    let remainingAtStart: number | undefined;
    router.service(AuthService, {
      async register(_req, ctx) {
        remainingAtStart = ctx.timeoutMs();
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        throw ConnectError.from(ctx.signal.reason);
      },
    });
    const result = await calls.call(register, input, callInit({ header: new Headers({ "connect-timeout-ms": "20" }) }));
    expect(!result.ok && result.error.code).toBe(Code.DeadlineExceeded);
    expect(remainingAtStart).toBeGreaterThan(0);
    expect(remainingAtStart).toBeLessThanOrEqual(20);
  });

  it("pass on the caller's abort and the server's shutdown to a running call, and leave no listener behind once calls end", async () => {
    const shutdown = new AbortController();
    const { router, calls } = createRouterWithCalls({ shutdownSignal: shutdown.signal });
    router.service(AuthService, {
      async register(req, ctx) {
        if (req.email === "quick@example.com") return {};
        if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        throw new ConnectError("stopped", Code.Canceled);
      },
    });
    for (let i = 0; i < 20; i++) {
      await calls.call(register, create(RegisterRequestSchema, { email: "quick@example.com" }), callInit());
    }
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);

    const client = new AbortController();
    const byClient = calls.call(register, input, callInit({ controller: client }));
    client.abort();
    expect(await byClient).toMatchObject({ ok: false, error: { code: Code.Canceled } });

    const byShutdown = Array.from({ length: 5 }, () => calls.call(register, input, callInit()));
    // One listener for all running calls, not one each.
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
    shutdown.abort();
    for (const call of byShutdown) expect(await call).toMatchObject({ ok: false, error: { code: Code.Canceled } });
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    // A call that starts after shutdown began is aborted from the start.
    expect(await calls.call(register, input, callInit())).toMatchObject({ ok: false, error: { code: Code.Canceled } });
  });

  it("turn an unexpected error into internal with a generic message, and hand over what was thrown", async () => {
    const thrown = new Error("connection to postgres://admin:hunter2@db failed");
    const { router, calls } = createRouterWithCalls({});
    router.service(AuthService, {
      register() {
        throw thrown;
      },
    });
    const result = await calls.call(register, input, callInit());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([result.error.code, result.error.rawMessage]).toEqual([Code.Internal, "internal error"]);
    expect(result.unexpected).toBe(thrown);
  });

  it("return a ConnectError as it is, with its metadata among the response headers", async () => {
    const { router, calls } = createRouterWithCalls({});
    router.service(AuthService, {
      register() {
        throw new ConnectError("taken", Code.AlreadyExists, { "x-hint": "try another" });
      },
    });
    const result = await calls.call(register, input, callInit());
    expect(result).toMatchObject({ ok: false, error: { code: Code.AlreadyExists, rawMessage: "taken" } });
    expect(result.ok === false && "unexpected" in result).toBe(false);
    expect(result.header.get("x-hint")).toBe("try another");
  });

  it("know which methods are implemented, and let a service's own interceptors replace the router's", async () => {
    const seen: string[] = [];
    const named = (name: string): Interceptor => (next) => (req) => {
      seen.push(name);
      return next(req);
    };
    const { router, calls } = createRouterWithCalls({ interceptors: [named("router")] });
    router.service(AuthService, { register: () => ({}) }, { interceptors: [named("service")] });
    expect(calls.has(register)).toBe(true);
    expect(calls.has(ProfileService.method.getProfile)).toBe(false);
    await calls.call(register, input, callInit());
    expect(seen).toEqual(["service"]);
  });
});

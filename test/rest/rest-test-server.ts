/**
 * A real server for the transcoder tests: node:http (or h2c) on port 0, a
 * ConnectRouter with an interceptor, small in-process implementations of the
 * auth contract's services (and of the test-only TestService) that record
 * what they receive, and createRestHandler in front with a 404 fallback.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { ErrorInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createRouterWithCalls } from "../../src/server/rest/in-process-calls.js";
import { createRestHandler } from "../../src/server/rest/rest-handler.js";
import { TestService } from "./test-descriptors.js";

export interface Call {
  rpc: string;
  request: unknown;
  authorization: string | null;
  contextValue: string;
}

export const created = new Date("2024-01-02T03:04:05.678Z");
const kCaller = createContextKey("none", { description: "set by contextValues" });

export interface TestServer {
  url: string;
  calls: Call[];
  /** What the router's interceptor saw: "<service>.<method> <protocol>". */
  intercepted: string[];
  errors: unknown[];
  /** Resolves with the abort reason once a "hang@" login's signal fires. */
  hangAborted: Promise<unknown>;
  hangEntered: Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(options: { http2?: boolean; maxBodyBytes?: number } = {}): Promise<TestServer> {
  const calls: Call[] = [];
  const intercepted: string[] = [];
  const errors: unknown[] = [];
  let enteredHang = (): void => {};
  let abortedHang = (_: unknown): void => {};
  const hangEntered = new Promise<void>((r) => (enteredHang = r));
  const hangAborted = new Promise<unknown>((r) => (abortedHang = r));

  const record = (rpc: string, request: unknown, ctx: HandlerContext): void => {
    calls.push({
      rpc,
      request,
      authorization: ctx.requestHeader.get("authorization"),
      contextValue: ctx.values.get(kCaller),
    });
  };

  const interceptor: Interceptor = (next) => async (req) => {
    intercepted.push(`${req.service.typeName}.${req.method.name} ${req.url}`);
    return next(req);
  };
  const { router, calls: inProcess } = createRouterWithCalls({ interceptors: [interceptor] });

  router.service(AuthService, {
    register(req, ctx) {
      record("Register", req, ctx);
      if (req.email === "taken@example.com") {
        throw new ConnectError("email taken", Code.AlreadyExists, undefined, [
          { desc: ErrorInfoSchema, value: { reason: "ERROR_REASON_EMAIL_TAKEN", domain: "auth.v1" } },
        ]);
      }
      if (req.email === "busy@example.com") {
        throw new ConnectError("slow down", Code.ResourceExhausted, undefined, [
          { desc: RetryInfoSchema, value: { retryDelay: { seconds: 1n, nanos: 500_000_000 } } },
        ]);
      }
      if (req.email === "boom@example.com") {
        throw new Error("connection to postgres://admin:hunter2@db failed");
      }
      ctx.responseHeader.set("x-request-id", ctx.requestHeader.get("x-request-id") ?? "generated");
      return { id: "7d0c1b8e-0000-4000-8000-000000000001", message: "registered" };
    },
    async login(req, ctx) {
      record("Login", req, ctx);
      if (req.email === "hang@example.com") {
        enteredHang();
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        abortedHang(ctx.signal.reason);
        throw ConnectError.from(ctx.signal.reason);
      }
      return { accessToken: `token-for-${req.email}`, tokenType: "bearer", expiresIn: 3600 };
    },
  });
  router.service(ProfileService, {
    getProfile(req, ctx) {
      record("GetProfile", req, ctx);
      return { profile: { id: req.id, user: "ada", email: "ada@example.com", createdAt: timestampFromDate(created) } };
    },
    updateProfile(req, ctx) {
      record("UpdateProfile", req, ctx);
      return {
        profile: {
          id: req.id,
          user: req.user ?? "ada",
          email: req.email ?? "ada@example.com",
          createdAt: timestampFromDate(created),
          updatedAt: timestampFromDate(created),
        },
      };
    },
  });
  // The test service echoes its request, so tests see exactly what the
  // transcoder built from the path, query and body.
  for (const method of TestService.methods) {
    // A run-time descriptor has no static method kind; all of these are unary.
    router.rpc(method as DescMethodUnary, (req, ctx) => {
      record(method.name, req, ctx);
      return { item: req };
    });
  }

  const rest = createRestHandler({
    services: [AuthService, ProfileService, TestService],
    calls: inProcess,
    maxBodyBytes: options.maxBodyBytes ?? 1024,
    contextValues: (req) => createContextValues().set(kCaller, `rest ${req.method}`),
    onError: (e) => errors.push(e),
  });
  const listener = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): void => {
    if (!rest(req, res)) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("fallback");
    }
  };
  const server = options.http2 ? http2.createServer(listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    intercepted,
    errors,
    hangEntered,
    hangAborted,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

/** One request over an h2c session (prior knowledge). */
export function h2Request(
  session: http2.ClientHttp2Session,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": method, ":path": path, ...headers });
    let status = 0;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      responseHeaders = h;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString("utf8") });
      // The server answered before taking the whole body (413) and reset
      // the stream with NO_ERROR: Node.js keeps a stream with unsent data
      // open (and so the session) until it is destroyed.
      if (!stream.writableFinished) stream.destroy();
    });
    stream.on("error", reject);
    if (body !== undefined) stream.write(body);
    stream.end();
  });
}

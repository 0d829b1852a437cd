/**
 * Generic REST transcoding: serves the routes declared by `google.api.http`
 * by calling the same implementations that serve gRPC, gRPC-Web and Connect,
 * in-process and through the router's own interceptors (in-process-calls.ts),
 * so interceptors, deadlines and error handling apply to REST exactly as to
 * every other protocol.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants as http2Constants, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { toJson } from "@bufbuild/protobuf";
import type { DescService, JsonValue, Registry } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { InProcessCalls } from "./in-process-calls.js";
import { readJsonBody } from "./request-body.js";
import { errorDetailRegistry, restErrorResponse } from "./rest-errors.js";
import { requestMessage } from "./rest-request.js";
import { restRoutesFromServices, type RestRoute } from "./rest-routes.js";

/** A request from node:http, node:https or node:http2 (as in connect-node). */
export type NodeServerRequest = IncomingMessage | Http2ServerRequest;
type NodeServerResponse = ServerResponse | Http2ServerResponse;

export interface RestHandlerOptions {
  /** Services whose `google.api.http` rules become routes. */
  services: readonly DescService[];
  /** The implementations of those services, from createRouterWithCalls. */
  calls: InProcessCalls;
  /** Largest accepted request body, in bytes; more is answered with 413. */
  maxBodyBytes: number;
  /** Context values for each call, as for connectNodeAdapter. */
  contextValues?: (req: NodeServerRequest) => ContextValues;
  /** Error detail types to render as JSON besides the google.rpc ones. */
  detailRegistry?: Registry;
  /**
   * Request headers passed to the handler. Defaults to
   * `defaultForwardedHeaders`. An allow-list: handlers and interceptors see
   * only headers that mean the same for REST as for the other protocols.
   */
  forwardedHeaders?: readonly string[];
  /** Told about unexpected failures (the client only sees "internal error"). */
  onError?: (error: unknown) => void;
}

/**
 * Returns false, synchronously, when no route matches the path, so the
 * caller can fall through to its next handler. Otherwise it answers the
 * request (asynchronously) and returns true.
 */
export type RestHandler = ((
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => boolean) & {
  /** The route table, e.g. for generating API documentation. */
  readonly routes: readonly RestRoute[];
};

export const defaultForwardedHeaders: readonly string[] = [
  "authorization",
  "cookie",
  "x-request-id",
  "user-agent",
  "x-forwarded-for",
  "connect-timeout-ms",
  "traceparent",
  "tracestate",
];

/** Response headers of the call that mean nothing, or something wrong, for REST. */
const droppedResponseHeaders = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "accept-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "trailer",
  "upgrade",
]);
const droppedResponseHeaderPrefixes = ["connect-", "grpc-", "trailer-"];

export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const routes = restRoutesFromServices(options.services);
  const registry = errorDetailRegistry(options.detailRegistry);
  const forwarded = options.forwardedHeaders ?? defaultForwardedHeaders;
  const onError = options.onError ?? (() => {});

  // A route without an implementation is a wiring mistake (service not
  // registered on the router) that should stop start-up.
  for (const route of routes) {
    if (!options.calls.has(route.rpc)) {
      const rpc = `${route.rpc.parent.typeName}.${route.rpc.name}`;
      throw new Error(
        `REST route ${route.httpMethod} ${route.pathTemplate}: no handler for ${rpc}; register the service on the router`,
      );
    }
  }

  function restHandler(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): boolean {
    const [path, search] = splitUrl(req.url ?? "");
    const matching: { route: RestRoute; bindings: Record<string, string> }[] = [];
    for (const route of routes) {
      const bindings = route.template.match(path);
      if (bindings !== undefined) matching.push({ route, bindings });
    }
    if (matching.length === 0) {
      return false;
    }
    // Routes are tried in declaration order; the first with this method wins.
    const found = matching.find((m) => m.route.httpMethod === req.method);
    if (found === undefined) {
      const allow = [...new Set(matching.map((m) => m.route.httpMethod))].join(", ");
      const message = `method ${req.method ?? ""} is not allowed here; use ${allow}`;
      const error = new ConnectError(message, Code.Unimplemented);
      sendError(res, error, 405, { allow });
      return true;
    }
    serve(found.route, found.bindings, new URLSearchParams(search), req, res).catch((e: unknown) => {
      onError(e);
      sendError(res, new ConnectError("internal error", Code.Internal));
    });
    return true;
  }

  async function serve(
    route: RestRoute,
    bindings: Record<string, string>,
    query: URLSearchParams,
    req: NodeServerRequest,
    res: NodeServerResponse,
  ): Promise<void> {
    // The call's controller: aborted when the client goes away before the
    // answer is complete, so the call can stop its work.
    const controller = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) {
        controller.abort(new ConnectError("the client closed the request", Code.Canceled));
      }
    });

    let body: string | undefined;
    if (route.body !== "") {
      // A failed read means the client went away mid-body: nobody to answer.
      const read = await readJsonBody(req, options.maxBodyBytes).catch(() => undefined);
      if (read === undefined) return;
      if (!read.ok) {
        sendError(res, read.error, read.status, {}, read.unread ? req : undefined);
        return;
      }
      body = read.text;
    }
    let input;
    try {
      input = requestMessage(route, bindings, query, body);
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      sendError(res, e);
      return;
    }

    const header = new Headers();
    for (const name of forwarded) {
      const value = req.headers[name];
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
        header.append(name, v);
      }
    }
    const result = await options.calls.call(route.rpc, input, {
      protocolName: "rest",
      requestMethod: req.method ?? "",
      url: rpcUrl(req, route),
      header,
      controller,
      contextValues: options.contextValues?.(req),
    });
    const headers = safeResponseHeaders(result.header);
    if (!result.ok) {
      if (result.unexpected !== undefined) onError(result.unexpected);
      sendError(res, result.error, undefined, headers);
      return;
    }
    // REST keeps the original API's proto field names (access_token) and
    // always emits fields at their default value, so clients see every key.
    const json = toJson(route.rpc.output, result.message, { useProtoFieldName: true, alwaysEmitImplicit: true });
    const responseField = route.responseBodyField;
    // An unset message field is absent from the JSON: send null for it.
    const answer =
      responseField === undefined ? json : ((json as Record<string, JsonValue>)[responseField.name] ?? null);
    sendJson(res, 200, headers, answer);
  }

  function sendError(
    res: NodeServerResponse,
    error: ConnectError,
    status?: number,
    headers: Record<string, string | string[]> = {},
    unreadBodyOf?: NodeServerRequest,
  ): void {
    const rendered = restErrorResponse(error, registry, status);
    sendJson(res, rendered.status, { ...headers, ...rendered.headers }, rendered.body, unreadBodyOf);
  }

  return Object.assign(restHandler, { routes });
}

/**
 * @param unreadBodyOf the request, when its body was left (partly) unread:
 *   the client is then told to stop sending it.
 */
function sendJson(
  res: NodeServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  json: JsonValue,
  unreadBodyOf?: NodeServerRequest,
): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(JSON.stringify(json));
  const isHttp2 = "stream" in res;
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(body.length),
    // HTTP/1.1: the rest of the body would be read as the next request, so
    // close the connection after this answer instead of reading it.
    ...(unreadBodyOf !== undefined && !isHttp2 ? { connection: "close" } : {}),
  });
  res.end(body, () => {
    if (unreadBodyOf === undefined || !isHttp2 || res.stream.closed) return;
    // HTTP/2: after a complete answer, ask the client to stop sending with
    // RST_STREAM(NO_ERROR) (RFC 9113, 8.1), and discard what is already in
    // flight: Node.js only releases the stream once its request side ends.
    unreadBodyOf.resume();
    res.stream.close(http2Constants.NGHTTP2_NO_ERROR);
  });
}

/** Split "/a/b?x=1" into ["/a/b", "x=1"]; absolute-form URLs are reduced to their path. */
function splitUrl(url: string): [string, string] {
  if (!url.startsWith("/")) {
    try {
      const parsed = new URL(url);
      url = parsed.pathname + parsed.search;
    } catch {
      return ["", ""];
    }
  }
  const q = url.indexOf("?");
  return q < 0 ? [url, ""] : [url.slice(0, q), url.slice(q + 1)];
}

/** The RPC's URL on this server, as the call would have it over Connect or gRPC (HandlerContext.url). */
function rpcUrl(req: NodeServerRequest, route: RestRoute): string {
  const secure = "encrypted" in req.socket && req.socket.encrypted === true;
  const authority = req.headers[":authority"] ?? req.headers.host ?? "localhost";
  const path = `/${route.rpc.parent.typeName}/${route.rpc.name}`;
  try {
    return new URL(path, `${secure ? "https" : "http"}://${String(authority)}`).toString();
  } catch {
    // An unparsable Host header must not fail the call; it is only informative here.
    return new URL(path, "http://localhost").toString();
  }
}

function safeResponseHeaders(header: Headers | undefined): Record<string, string | string[]> {
  const safe: Record<string, string | string[]> = {};
  header?.forEach((value, name) => {
    if (droppedResponseHeaders.has(name)) return;
    if (droppedResponseHeaderPrefixes.some((p) => name.startsWith(p))) return;
    // Headers yields each Set-Cookie separately; keep them all.
    const previous = safe[name];
    safe[name] = previous === undefined ? value : [previous, value].flat();
  });
  return safe;
}

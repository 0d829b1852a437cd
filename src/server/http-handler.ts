// The request listener behind the port: CORS, request ids, then Connect
// (gRPC, gRPC-Web, Connect), then REST transcoding, then 404.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Code, ConnectError, cors as connectCors, createContextValues, type ContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import cors from "cors";
import type { Logger } from "pino";
import type { ClientAddressResolver } from "../abuse/client-address.js";
import { kClientAddress, kRequestId, kRestCall } from "./context.js";

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** A handler for paths outside the RPC router; returns false when the path is not its own. */
export type PathHandler = (req: NodeRequest, res: NodeResponse) => boolean;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createHttpHandler(options: {
  rpcHandlers: readonly UniversalHandler[];
  /** Tried in order for paths that are not RPC paths. */
  pathHandlers: readonly PathHandler[];
  corsOrigins: readonly string[];
  log: Logger;
  /** True once shutdown has begun. */
  draining: () => boolean;
  /** Who is calling (socket peer, or X-Forwarded-For from a trusted proxy); default: the socket peer. */
  clientAddress?: ClientAddressResolver;
}) {
  const byPath = new Map(options.rpcHandlers.map((h) => [h.requestPath, h]));
  const corsMiddleware = cors({
    origin: [...options.corsOrigins],
    methods: [...new Set([...connectCors.allowedMethods, "PUT", "DELETE", "PATCH"])],
    allowedHeaders: [...connectCors.allowedHeaders, "Authorization", "X-Request-Id"],
    exposedHeaders: [...connectCors.exposedHeaders, "X-Request-Id", "Retry-After"],
    maxAge: 7200,
  });

  return (req: NodeRequest, res: NodeResponse) => {
    const requestId = requestIdOf(req);
    // Every later reader (REST transcoding, logs) sees the same id.
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    // While draining, HTTP/1.1 clients finish this request and then close the
    // connection (HTTP/2 clients get GOAWAY instead); otherwise keep-alive
    // traffic would keep a draining instance busy until the grace period ends.
    if (options.draining() && req.httpVersionMajor === 1) res.setHeader("connection", "close");
    corsMiddleware(req as IncomingMessage, res as ServerResponse, () => {
      const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
      const rpc = byPath.get(path);
      if (rpc !== undefined) {
        const uReq = universalRequestFromNodeRequest(req, res, undefined, requestContext(req, requestId, false, options.clientAddress));
        rpc(uReq)
          .then((uRes) => universalResponseToNodeResponse(uRes, res))
          .catch((error: unknown) => {
            if (ConnectError.from(error).code !== Code.Aborted) {
              options.log.error({ err: error, requestId }, "writing the response failed");
            }
          });
        return;
      }
      for (const handle of options.pathHandlers) {
        if (handle(req, res)) return;
      }
      sendJson(res, 404, { code: "not_found", message: `no route for ${req.method} ${path}`, detail: "Not Found" });
    });
  };
}

/** The values every RPC starts with, whichever door it came through. */
export function requestContext(
  req: NodeRequest,
  requestId: string,
  rest: boolean,
  clientAddress: ClientAddressResolver = (peer) => peer,
): ContextValues {
  return createContextValues()
    .set(kRequestId, requestId)
    .set(kClientAddress, clientAddress(req.socket?.remoteAddress ?? "", req.headers["x-forwarded-for"]))
    .set(kRestCall, rest);
}

export function requestIdOf(req: NodeRequest): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

export function sendJson(res: NodeResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

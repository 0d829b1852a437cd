import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Metrics } from "../../observability/metrics.js";
import { kClientAddress, kRequestId, kRestCall, kUserId } from "../context.js";

/**
 * One log line and one metrics sample per RPC: what was called, through which
 * protocol, by whom, how it ended and how long it took.
 */
export function createRequestObserverInterceptor(log: Logger, metrics: Metrics): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    let code = "ok";
    try {
      return await next(req);
    } catch (error) {
      code = codeName(ConnectError.from(error).code);
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const rpc = `${req.service.typeName}/${req.method.name}`;
      const protocol = req.contextValues.get(kRestCall) ? "rest" : protocolOf(req.header.get("content-type"), req.requestMethod);
      metrics.observeRpc({ rpc, protocol, code }, seconds);
      log.info(
        {
          requestId: req.contextValues.get(kRequestId),
          rpc,
          protocol,
          code,
          durationMs: Math.round(seconds * 10_000) / 10,
          userId: req.contextValues.get(kUserId),
          client: req.contextValues.get(kClientAddress),
        },
        "rpc",
      );
    }
  };
}

/** The protocol's snake_case code name, as gRPC and Connect spell it ("invalid_argument"). */
function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`));
}

function protocolOf(contentType: string | null, method: string): string {
  if (contentType?.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType?.startsWith("application/grpc")) return "grpc";
  if (method === "GET") return "connect-get";
  return "connect";
}

import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { kClientAddress, kRequestId, kRestCall, kUserId } from "../context.js";

/** One log line per RPC: what was called, by whom, how it ended, how long it took. */
export function createRequestLogInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    let code = "ok";
    try {
      return await next(req);
    } catch (error) {
      code = codeName(ConnectError.from(error).code);
      throw error;
    } finally {
      log.info(
        {
          requestId: req.contextValues.get(kRequestId),
          rpc: `${req.service.typeName}/${req.method.name}`,
          protocol: req.contextValues.get(kRestCall) ? "rest" : protocolOf(req.header.get("content-type"), req.requestMethod),
          code,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
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

// Rate limits and failure backoff (src/abuse) for every RPC on every
// protocol. It runs before authentication and validation, so refused calls
// cost a counter increment and nothing more.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/auth/v1/error_reason_pb.js";
import { RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { RateLimited, type AbuseGuard } from "../../abuse/guard.js";
import { rpcName } from "../../abuse/rpc-limits.js";
import { kClientAddress, kRequestId } from "../context.js";
import { reasonError } from "./error-details.js";

export function createRateLimitInterceptor(guard: AbuseGuard): Interceptor {
  return (next) => async (req) => {
    const message = req.stream ? undefined : (req.message as unknown as Record<string, unknown>);
    let attempt;
    try {
      attempt = await guard.admit({
        rpc: rpcName(req.method),
        address: req.contextValues.get(kClientAddress),
        userAgent: req.header.get("user-agent") ?? "",
        requestId: req.contextValues.get(kRequestId),
        field: (name) => {
          const localName = req.method.input.fields.find((f) => f.name === name)?.localName;
          const value = localName === undefined ? undefined : message?.[localName];
          return typeof value === "string" ? value : "";
        },
      });
    } catch (error) {
      throw error instanceof RateLimited ? rateLimitedError(error) : error;
    }
    try {
      const response = await next(req);
      await attempt.settle(undefined);
      return response;
    } catch (error) {
      await attempt.settle(error);
      throw error;
    }
  };
}

function rateLimitedError(error: RateLimited): ConnectError {
  const seconds = Math.ceil(error.retryAfterMs / 1000);
  const wait = `retry in ${seconds} second${seconds === 1 ? "" : "s"}`;
  const message =
    error.kind === "backoff"
      ? `too many failed attempts: ${wait}`
      : `too many requests: ${wait}`;
  return reasonError(Code.ResourceExhausted, ErrorReason.RATE_LIMITED, message, [
    { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(error.retryAfterMs) }) },
  ]);
}

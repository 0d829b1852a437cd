// The one place where errors become what a client sees. Domain errors map to
// a code, a stable reason and a safe message; database outages to
// unavailable; anything unexpected to `internal` with the request id, while
// the cause goes only to the log.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { DriverException, ConnectionException } from "@mikro-orm/core";
import type { Logger } from "pino";
import { ErrorReason } from "../../../gen/auth/v1/error_reason_pb.js";
import {
  DomainError,
  EmailNotVerified,
  EmailTaken,
  InvalidField,
  InvalidCredentials,
  NotOwner,
  RefreshTokenExpired,
  RefreshTokenInvalid,
  RefreshTokenReused,
  SessionNotFound,
  SessionRevoked,
  TokenInvalid,
  UserNotFound,
  UserTaken,
} from "../../accounts/errors.js";
import { PasswordWorkBusy } from "../../security/password-work.js";
import { RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { kRequestId } from "../context.js";
import { invalidFields, reasonError } from "./error-details.js";

const domainErrors = new Map<Function, [Code, ErrorReason]>([
  [EmailTaken, [Code.AlreadyExists, ErrorReason.EMAIL_TAKEN]],
  [UserTaken, [Code.AlreadyExists, ErrorReason.USER_TAKEN]],
  [InvalidCredentials, [Code.Unauthenticated, ErrorReason.INVALID_CREDENTIALS]],
  [NotOwner, [Code.PermissionDenied, ErrorReason.NOT_OWNER]],
  [UserNotFound, [Code.NotFound, ErrorReason.USER_NOT_FOUND]],
  [RefreshTokenInvalid, [Code.Unauthenticated, ErrorReason.REFRESH_TOKEN_INVALID]],
  [RefreshTokenExpired, [Code.Unauthenticated, ErrorReason.REFRESH_TOKEN_EXPIRED]],
  [RefreshTokenReused, [Code.Unauthenticated, ErrorReason.REFRESH_TOKEN_REUSED]],
  [SessionRevoked, [Code.Unauthenticated, ErrorReason.SESSION_REVOKED]],
  [SessionNotFound, [Code.NotFound, ErrorReason.SESSION_NOT_FOUND]],
  [TokenInvalid, [Code.FailedPrecondition, ErrorReason.TOKEN_INVALID]],
  [EmailNotVerified, [Code.FailedPrecondition, ErrorReason.EMAIL_NOT_VERIFIED]],
]);

export function toConnectError(error: unknown, requestId: string): { error: ConnectError; unexpected: boolean } {
  if (error instanceof ConnectError) return { error, unexpected: false };
  if (error instanceof InvalidField) {
    return { error: invalidFields([{ field: error.field, description: error.description }]), unexpected: false };
  }
  if (error instanceof DomainError) {
    const mapped = domainErrors.get(error.constructor);
    if (mapped !== undefined) return { error: reasonError(mapped[0], mapped[1], error.message), unexpected: false };
  }
  if (error instanceof PasswordWorkBusy) {
    const retryDelay = { seconds: BigInt(Math.floor(error.retryAfterMs / 1000)), nanos: (error.retryAfterMs % 1000) * 1e6 };
    return {
      error: reasonError(Code.ResourceExhausted, ErrorReason.SERVER_BUSY, "the server is busy checking passwords, retry shortly", [
        { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay }) },
      ]),
      unexpected: false,
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      error: reasonError(
        Code.Unavailable,
        ErrorReason.SERVICE_UNAVAILABLE,
        `the service is temporarily unavailable, retry later (request id ${requestId})`,
      ),
      unexpected: true,
    };
  }
  return { error: new ConnectError(`internal error (request id ${requestId})`, Code.Internal), unexpected: true };
}

export function createErrorMappingInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (cause) {
      const requestId = req.contextValues.get(kRequestId);
      const { error, unexpected } = toConnectError(cause, requestId);
      if (unexpected) log.error({ err: cause, requestId, rpc: req.method.name }, "request failed");
      throw error;
    }
  };
}

/**
 * The database cannot serve us right now (down, restarting, overloaded, or a
 * lock or statement timeout hit): the client should retry later, and it is
 * not a bug in this service.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  // knex's pool gives up acquiring a connection (the database is unreachable or saturated).
  if ((error as { name?: unknown } | null)?.name === "KnexTimeoutError") return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    TRANSIENT_CODES.has(code) ||
    // SQLSTATE class 08: connection exceptions.
    (error instanceof DriverException && code.startsWith("08"))
  );
}

const TRANSIENT_CODES = new Set([
  // Sockets.
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections,
  // lock_timeout (lock_not_available), statement_timeout (query_canceled).
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "55P03",
  "57014",
]);

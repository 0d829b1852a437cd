// Secure by default: every RPC needs a valid access token unless it is on the
// explicit public list. A valid token also needs a live session: logout and
// revocation stop its access tokens before they expire.
import { Code, type Interceptor } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { ErrorReason } from "../../../gen/auth/v1/error_reason_pb.js";
import { AccessTokenError, type AccessTokens } from "../../security/access-tokens.js";
import { kSessionId, kUserId } from "../context.js";
import { reasonError } from "./error-details.js";

export function createAuthInterceptor(options: {
  tokens: Pick<AccessTokens, "verify">;
  publicMethods: readonly DescMethod[];
  /** Whether the session a token names still accepts its access tokens. */
  isSessionActive: (sessionId: string) => Promise<boolean>;
}): Interceptor {
  const publicMethods = new Set(options.publicMethods);
  return (next) => async (req) => {
    if (publicMethods.has(req.method)) return next(req);
    const token = bearerToken(req.header.get("authorization"));
    if (token === undefined) {
      throw reasonError(
        Code.Unauthenticated,
        ErrorReason.ACCESS_TOKEN_MISSING,
        "missing access token: send Authorization: Bearer <access_token>",
      );
    }
    let claims;
    try {
      claims = options.tokens.verify(token);
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      throw error.failure === "expired"
        ? reasonError(Code.Unauthenticated, ErrorReason.ACCESS_TOKEN_EXPIRED, "access token expired: sign in again")
        : reasonError(Code.Unauthenticated, ErrorReason.ACCESS_TOKEN_INVALID, "invalid access token");
    }
    if (!(await options.isSessionActive(claims.sid))) {
      throw reasonError(Code.Unauthenticated, ErrorReason.SESSION_REVOKED, "session ended: sign in again");
    }
    req.contextValues.set(kUserId, claims.sub);
    req.contextValues.set(kSessionId, claims.sid);
    return next(req);
  };
}

function bearerToken(header: string | null): string | undefined {
  if (header === null) return undefined;
  const [scheme, token, ...rest] = header.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== "bearer" || token === undefined || rest.length > 0) return undefined;
  return token;
}

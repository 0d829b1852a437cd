// Access tokens: short-lived JWTs (RFC 9068 `at+jwt`) signed with ES256 by
// the current key of SigningKeys and verified by the key their `kid` names.
//
// Verification trusts nothing in the token to choose how it is checked: the
// algorithm is pinned to ES256 (so `none` and HMAC-with-the-public-key fail),
// the key comes only from our own set by `kid` (header `jwk`/`jku`/`x5u` are
// ignored), and `exp`, `iss`, `aud`, `typ`, `sub` and `sid` are required
// (jsonwebtoken checks `exp` only when it is present).
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { CLOCK_SKEW_SECONDS, SIGNING_ALGORITHM, type SigningKeys } from "./signing-keys.js";

export interface AccessTokenClaims {
  /** The user id. */
  sub: string;
  /** The session id. */
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export type TokenFailure = "invalid" | "expired";

export class AccessTokenError extends Error {
  override name = "AccessTokenError";
  constructor(readonly failure: TokenFailure) {
    super(`access token ${failure}`);
  }
}

const TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class AccessTokens {
  constructor(
    private readonly options: {
      keys: SigningKeys;
      issuer: string;
      audience: string;
      ttlSeconds: number;
      now?: () => number;
    },
  ) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  issue(userId: string, sessionId: string): string {
    const { kid, privateKey } = this.options.keys.signer;
    const iat = Math.floor(this.now() / 1000);
    return jwt.sign({ iat, exp: iat + this.options.ttlSeconds, sid: sessionId }, privateKey, {
      algorithm: SIGNING_ALGORITHM,
      header: { alg: SIGNING_ALGORITHM, typ: "at+jwt", kid },
      subject: userId,
      issuer: this.options.issuer,
      audience: this.options.audience,
      jwtid: randomUUID(),
    });
  }

  /** Returns the claims of a valid token; throws AccessTokenError otherwise. */
  verify(token: string): AccessTokenClaims {
    const header = decodeHeader(token);
    const key = typeof header?.kid === "string" ? this.options.keys.verificationKey(header.kid) : undefined;
    if (key === undefined || typeof header?.typ !== "string" || !TOKEN_TYPES.has(header.typ.toLowerCase())) {
      throw new AccessTokenError("invalid");
    }
    const now = Math.floor(this.now() / 1000);
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: CLOCK_SKEW_SECONDS,
        clockTimestamp: now,
      });
    } catch (error) {
      throw new AccessTokenError(error instanceof jwt.TokenExpiredError ? "expired" : "invalid");
    }
    if (
      typeof payload !== "object" ||
      typeof payload.sub !== "string" ||
      typeof payload.sid !== "string" ||
      // Session ids are ours (UUIDs); anything else never reaches the database.
      !UUID.test(payload.sid) ||
      typeof payload.exp !== "number" ||
      typeof payload.iat !== "number" ||
      typeof payload.jti !== "string" ||
      // Issued in the future (beyond the skew): not valid yet.
      payload.iat > now + CLOCK_SKEW_SECONDS
    ) {
      throw new AccessTokenError("invalid");
    }
    return { sub: payload.sub, sid: payload.sid, exp: payload.exp, iat: payload.iat, jti: payload.jti };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

/** The JOSE header, only to pick our key by kid; nothing in it is trusted. */
function decodeHeader(token: string): Record<string, unknown> | undefined {
  const encoded = token.split(".", 1)[0];
  if (encoded === undefined || encoded === "") return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
    return typeof header === "object" && header !== null ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

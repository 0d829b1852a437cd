// Access tokens: short-lived JWTs, signed and verified with a KeyObject made
// once (jsonwebtoken re-derives a key from a string secret on every call,
// which costs ~45x per verification).
import { createSecretKey, randomUUID, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";

export interface AccessTokenClaims {
  /** The user id. */
  sub: string;
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

const ALGORITHM = "HS256";
const CLOCK_TOLERANCE_SECONDS = 30;

export class AccessTokens {
  private readonly key: KeyObject;

  constructor(
    private readonly options: {
      secret: string;
      issuer: string;
      audience: string;
      ttlSeconds: number;
      now?: () => number;
    },
  ) {
    this.key = createSecretKey(Buffer.from(options.secret, "utf8"));
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  issue(userId: string): string {
    const iat = Math.floor(this.now() / 1000);
    return jwt.sign({ iat, exp: iat + this.options.ttlSeconds }, this.key, {
      algorithm: ALGORITHM,
      header: { alg: ALGORITHM, typ: "at+jwt" },
      subject: userId,
      issuer: this.options.issuer,
      audience: this.options.audience,
      jwtid: randomUUID(),
    });
  }

  /** Returns the claims of a valid token; throws AccessTokenError otherwise. */
  verify(token: string): AccessTokenClaims {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        clockTimestamp: Math.floor(this.now() / 1000),
      });
    } catch (error) {
      throw new AccessTokenError(error instanceof jwt.TokenExpiredError ? "expired" : "invalid");
    }
    // jsonwebtoken checks exp only when present: a token without one is invalid here.
    if (
      typeof payload !== "object" ||
      typeof payload.sub !== "string" ||
      typeof payload.exp !== "number" ||
      typeof payload.iat !== "number" ||
      typeof payload.jti !== "string"
    ) {
      throw new AccessTokenError("invalid");
    }
    return { sub: payload.sub, exp: payload.exp, iat: payload.iat, jti: payload.jti };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

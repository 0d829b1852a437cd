import { createSecretKey, generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { AccessTokens, AccessTokenError } from "../../src/security/access-tokens.js";

const secret = "s".repeat(32);
const options = { secret, issuer: "auth-service", audience: "auth-service", ttlSeconds: 900 };
const tokens = new AccessTokens(options);
const key = createSecretKey(Buffer.from(secret));
const failureOf = (token: string) => {
  try {
    tokens.verify(token);
  } catch (error) {
    return (error as AccessTokenError).failure;
  }
  return "accepted";
};
const signed = (payload: object, opts: jwt.SignOptions = {}) =>
  jwt.sign(payload, key, { algorithm: "HS256", issuer: "auth-service", audience: "auth-service", jwtid: "j", ...opts });
const now = () => Math.floor(Date.now() / 1000);

describe("AccessTokens", () => {
  it("issues tokens that verify, with sub, iat, exp, iss, aud and jti", () => {
    const claims = tokens.verify(tokens.issue("user-1"));
    expect(claims.sub).toBe("user-1");
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ["alg none", jwt.sign({ sub: "u", exp: now() + 60, iat: now(), jti: "j" }, null as unknown as string, { algorithm: "none" })],
    ["a wrong issuer", signed({ sub: "u", exp: now() + 60 }, { issuer: "someone-else" })],
    ["a wrong audience", signed({ sub: "u", exp: now() + 60 }, { audience: "another-service" })],
    ["another secret", jwt.sign({ sub: "u", exp: now() + 60 }, "x".repeat(32), { algorithm: "HS256", issuer: "auth-service", audience: "auth-service" })],
    ["HS512", signed({ sub: "u", exp: now() + 60 }, { algorithm: "HS512" })],
    ["no exp", signed({ sub: "u" })],
    ["no sub", signed({ exp: now() + 60 })],
    ["a not-yet-valid token", signed({ sub: "u", exp: now() + 600, nbf: now() + 300 })],
    ["RS256", jwt.sign({ sub: "u", exp: now() + 60 }, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, { algorithm: "RS256", issuer: "auth-service", audience: "auth-service" })],
    ["garbage", "not.a.token"],
  ])("rejects %s as invalid", (_, token) => {
    expect(failureOf(token)).toBe("invalid");
  });

  it("rejects a tampered payload", () => {
    const [h, , s] = tokens.issue("user-1").split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "admin", exp: now() + 60, iat: now(), jti: "j" })).toString("base64url");
    expect(failureOf(`${h}.${forged}.${s}`)).toBe("invalid");
  });

  it("reports expiry separately, after a 30 s clock-skew allowance", () => {
    let clock = Date.now();
    const timed = new AccessTokens({ ...options, now: () => clock });
    const token = timed.issue("user-1");
    clock += 900_000 + 29_000;
    expect(() => timed.verify(token)).not.toThrow();
    clock += 2_000;
    expect(() => timed.verify(token)).toThrow(expect.objectContaining({ failure: "expired" }));
  });
});

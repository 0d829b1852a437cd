// ES256 access tokens: what verifies, and every forged or unfit token that
// must not (RFC 8725; SECURITY.md TK-01, TK-02, TK-03).
import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jwt from "jsonwebtoken";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { AccessTokens, type AccessTokenError } from "../../src/security/access-tokens.js";
import { signingKeysFromConfig } from "../../src/security/signing-keys.js";

const dataDir = mkdtempSync(join(tmpdir(), "auth-keys-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let clock = Date.now();
const config = loadConfig({ DATA_DIR: dataDir });
const keys = signingKeysFromConfig(config, { now: () => clock });
const tokens = new AccessTokens({ keys, issuer: "auth-service", audience: "auth-service", ttlSeconds: 900, now: () => clock });
const { kid, privateKey } = keys.signer;
const publicKey = keys.verificationKey(kid)!;

const failureOf = (token: string) => {
  try {
    tokens.verify(token);
  } catch (error) {
    return (error as AccessTokenError).failure;
  }
  return "accepted";
};
const SESSION = "3f1c7a52-9d0e-4b8a-8f3e-2a6b5c4d1e0f";
const seconds = () => Math.floor(clock / 1000);
const claims = (extra: object = {}) => ({
  sub: "user-1",
  sid: SESSION,
  jti: randomUUID(),
  iat: seconds(),
  exp: seconds() + 60,
  iss: "auth-service",
  aud: "auth-service",
  ...extra,
});
const header = (extra: object = {}) => ({ alg: "ES256", typ: "at+jwt", kid, ...extra });
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** A compact JWS with any header, payload and signature: what an attacker can send. */
const forge = (head: object, payload: object, signer: (input: string) => string = () => "") => {
  const input = `${b64(head)}.${b64(payload)}`;
  return `${input}.${signer(input)}`;
};
const es256 = (key: KeyObject) => (input: string) =>
  sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
/** Signed with our real key: only the claims or header are wrong. */
const ours = (payload: object, head: object = header()) => forge(head, payload, es256(privateKey));
const attacker = generateKeyPairSync("ec", { namedCurve: "P-256" });

describe("AccessTokens", () => {
  it("issues ES256 tokens with typ at+jwt, our kid, and sub, sid, iat, exp, iss, aud, jti", () => {
    const token = tokens.issue("user-1", SESSION);
    expect(jwt.decode(token, { complete: true })?.header).toEqual({ alg: "ES256", typ: "at+jwt", kid });
    const verified = tokens.verify(token);
    expect(verified).toMatchObject({ sub: "user-1", sid: SESSION });
    expect(verified.exp - verified.iat).toBe(900);
    expect(verified.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(failureOf(ours(claims()))).toBe("accepted");
  });

  it.each([
    ["alg none", forge({ alg: "none", typ: "at+jwt", kid }, claims())],
    ["alg None", forge({ alg: "None", typ: "at+jwt", kid }, claims())],
    ["alg nOnE", forge({ alg: "nOnE", typ: "at+jwt", kid }, claims())],
    [
      "HS256 keyed with our public key (PEM)",
      forge(header({ alg: "HS256" }), claims(), (input) =>
        createHmac("sha256", publicKey.export({ format: "pem", type: "spki" })).update(input).digest("base64url"),
      ),
    ],
    [
      "HS256 keyed with our public key (DER)",
      forge(header({ alg: "HS256" }), claims(), (input) =>
        createHmac("sha256", publicKey.export({ format: "der", type: "spki" })).update(input).digest("base64url"),
      ),
    ],
    ["another key under our kid", forge(header(), claims(), es256(attacker.privateKey))],
    [
      "another key carried in the header (jwk)",
      forge(header({ jwk: attacker.publicKey.export({ format: "jwk" }) }), claims(), es256(attacker.privateKey)),
    ],
    ["another key behind a URL (jku)", forge(header({ jku: "https://evil.example/jwks.json" }), claims(), es256(attacker.privateKey))],
    ["an unknown kid", ours(claims(), header({ kid: "not-a-key-of-ours" }))],
    ["a kid path", ours(claims(), header({ kid: "../../etc/passwd" }))],
    ["a kid injection", ours(claims(), header({ kid: "' OR 1=1--" }))],
    ["a kid of Object.prototype", ours(claims(), header({ kid: "__proto__" }))],
    ["no kid", ours(claims(), { alg: "ES256", typ: "at+jwt" })],
    ["typ JWT", ours(claims(), header({ typ: "JWT" }))],
    ["no typ", ours(claims(), { alg: "ES256", kid })],
    ["RS256 from another key", jwt.sign(claims(), generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, { algorithm: "RS256", header: header({ alg: "RS256" }) as jwt.JwtHeader })],
    ["a wrong issuer", ours(claims({ iss: "someone-else" }))],
    ["a wrong audience", ours(claims({ aud: "another-service" }))],
    ["no issuer", ours(claims({ iss: undefined }))],
    ["no audience", ours(claims({ aud: undefined }))],
    ["no exp", ours(claims({ exp: undefined }))],
    ["no sub", ours(claims({ sub: undefined }))],
    ["no sid (not an access token of a session)", ours(claims({ sid: undefined }))],
    ["a sid that is not a session id", ours(claims({ sid: "x'; drop table sessions; --" }))],
    ["no jti", ours(claims({ jti: undefined }))],
    ["a not-yet-valid token (nbf in 2 min)", ours(claims({ nbf: seconds() + 120 }))],
    ["a token issued in the future (iat in 2 min)", ours(claims({ iat: seconds() + 120, exp: seconds() + 1000 }))],
    ["a refresh token", "Q2hhbmdlIG1lIGlmIHlvdSBzZWUgbWUgYXMgYSBKV1QhIQ"],
    ["garbage", "not.a.token"],
    ["an empty string", ""],
  ])("rejects %s as invalid", (_, token) => {
    expect(failureOf(token)).toBe("invalid");
  });

  it("rejects a tampered payload", () => {
    const [h, , s] = tokens.issue("user-1", SESSION).split(".");
    expect(failureOf(`${h}.${b64(claims({ sub: "admin" }))}.${s}`)).toBe("invalid");
  });

  it("reports expiry separately, after a 30 s clock-skew allowance", () => {
    const token = tokens.issue("user-1", SESSION);
    const issued = clock;
    try {
      clock = issued + 900_000 + 29_000;
      expect(failureOf(token)).toBe("accepted");
      clock = issued + 900_000 + 31_000;
      expect(failureOf(token)).toBe("expired");
      expect(failureOf(ours(claims({ iat: seconds() - 100, exp: seconds() - 31 })))).toBe("expired");
    } finally {
      clock = issued;
    }
  });
});

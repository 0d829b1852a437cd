import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AccessTokenError, AccessTokens } from "../../src/security/access-tokens.js";
import { generateSigningKey, SigningKeys, type PublicJwk } from "../../src/security/signing-keys.js";
import { VerifiedTokenCache } from "../../src/security/verified-token-cache.js";

const SESSION = "3f1c7a52-9d0e-4b8a-8f3e-2a6b5c4d1e0f";
const key = generateSigningKey();
const keys = new SigningKeys(() => ({
  signer: { kid: key.kid, privateKey: createPrivateKey(key.pem) },
  verifiers: new Map([[key.kid, { kid: key.kid, publicKey: createPublicKey(key.pem), jwk: {} as PublicJwk }]]),
}));

function setup(maxEntries?: number) {
  let nowMs = Date.UTC(2026, 0, 1);
  const clock = { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
  const tokens = new AccessTokens({ keys, issuer: "i", audience: "a", ttlSeconds: 900, now: clock.now });
  let checks = 0;
  const counted = {
    verify: (token: string) => {
      checks++;
      return tokens.verify(token);
    },
  };
  const cache = new VerifiedTokenCache(counted, { now: clock.now, ...(maxEntries ? { maxEntries } : {}) });
  return { clock, tokens, cache, checks: () => checks };
}

const failureOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as AccessTokenError).failure;
  }
  return "accepted";
};

describe("VerifiedTokenCache", () => {
  it("checks a token's signature once and answers repeats from memory with the same claims", () => {
    const { tokens, cache, checks } = setup();
    const token = tokens.issue("user-1", SESSION);
    const first = cache.verify(token);
    expect(cache.verify(token)).toEqual(first);
    expect(cache.verify(token).sub).toBe("user-1");
    expect(checks()).toBe(1);
  });

  it("stops serving a token at its exp and lets verification say it expired", () => {
    const { clock, tokens, cache, checks } = setup();
    const token = tokens.issue("user-1", SESSION);
    cache.verify(token);
    clock.advance(900_000 + 31_000);
    expect(failureOf(() => cache.verify(token))).toBe("expired");
    expect(checks()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it("never keeps a token that failed: a tampered token is checked, and refused, every time", () => {
    const { tokens, cache, checks } = setup();
    const token = tokens.issue("user-1", SESSION);
    const tampered = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
    cache.verify(token);
    expect(failureOf(() => cache.verify(tampered))).toBe("invalid");
    expect(failureOf(() => cache.verify(tampered))).toBe("invalid");
    expect(checks()).toBe(3);
  });

  it("holds at most maxEntries tokens, dropping the oldest", () => {
    const { tokens, cache, checks } = setup(2);
    const [a, b, c] = ["a", "b", "c"].map((user) => tokens.issue(user, SESSION));
    for (const token of [a!, b!, c!]) cache.verify(token);
    expect(cache.size).toBe(2);
    cache.verify(c!);
    cache.verify(b!);
    expect(checks()).toBe(3);
    cache.verify(a!);
    expect(checks()).toBe(4);
  });
});

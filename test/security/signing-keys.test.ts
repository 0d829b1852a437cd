// Where signing keys come from and how they rotate: the development key ring
// in the data folder, and configured PEM files in production.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { AccessTokens } from "../../src/security/access-tokens.js";
import { developmentKeyRing, generateSigningKey, signingKeysFromConfig } from "../../src/security/signing-keys.js";

const root = mkdtempSync(join(tmpdir(), "auth-keys-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const folder = (name: string) => join(root, name);
const SESSION = "3f1c7a52-9d0e-4b8a-8f3e-2a6b5c4d1e0f";
const failure = (tokens: AccessTokens, token: string) => {
  try {
    tokens.verify(token);
    return "accepted";
  } catch (error) {
    return (error as { failure: string }).failure;
  }
};

describe("the development key ring", () => {
  it("makes a key on first start and keeps it (mode 0600) across restarts", () => {
    const config = loadConfig({ DATA_DIR: folder("first-start") });
    const warnings: string[] = [];
    const first = signingKeysFromConfig(config, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining("JWT_SIGNING_KEY_FILE not set")]);
    const file = join(config.dataDir, "jwt-keys.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(signingKeysFromConfig(config).signer.kid).toBe(first.signer.kid);
    expect(first.jwks().keys).toEqual([
      { kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String), kid: first.signer.kid, use: "sig", alg: "ES256" },
    ]);
    // The JWKS never carries the private part.
    expect(JSON.stringify(first.jwks())).not.toContain('"d"');
  });

  it("rotates: the new key signs, tokens of the old one verify until they expire, then the old key is dropped", () => {
    let clock = Date.now();
    const config = loadConfig({ DATA_DIR: folder("rotation"), ACCESS_TOKEN_TTL_SECONDS: "600" });
    const keys = signingKeysFromConfig(config, { now: () => clock });
    const tokens = new AccessTokens({ keys, issuer: "auth-service", audience: "auth-service", ttlSeconds: 600, now: () => clock });
    const oldKid = keys.signer.kid;
    const before = tokens.issue("u", SESSION);

    const newKid = developmentKeyRing(config).rotate(clock);
    keys.reload();
    expect(keys.signer.kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);
    const after = tokens.issue("u", SESSION);
    expect(JSON.parse(Buffer.from(after.split(".")[0]!, "base64url").toString()).kid).toBe(newKid);
    // The signing key first, then the ones that only verify.
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([newKid, oldKid]);

    // Just before the old token's last accepted moment, after a restart too.
    clock += (600 + 29) * 1000;
    keys.reload();
    expect(failure(tokens, before)).toBe("accepted");
    expect(failure(tokens, after)).toBe("accepted");

    clock += 2_000;
    keys.reload();
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([newKid]);
    expect(failure(tokens, before)).toBe("invalid");
    expect(failure(tokens, tokens.issue("u", SESSION))).toBe("accepted");
  });
});

describe("configured keys", () => {
  const dir = folder("configured");
  const write = (name: string, pem: string) => {
    const file = join(root, name);
    writeFileSync(file, pem);
    return file;
  };

  it("sign with JWT_SIGNING_KEY_FILE and also verify with JWT_VERIFICATION_KEY_FILES", () => {
    const current = generateSigningKey();
    const previous = generateSigningKey();
    const signing = write("signing.pem", current.pem);
    const older = write("older.pem", previous.pem);
    const config = loadConfig({ DATA_DIR: dir, JWT_SIGNING_KEY_FILE: signing, JWT_VERIFICATION_KEY_FILES: older });
    const keys = signingKeysFromConfig(config, { warn: () => expect.unreachable("no development warning") });
    expect(keys.signer.kid).toBe(current.kid);
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([current.kid, previous.kid]);
  });

  it("accept PEM text in JWT_SIGNING_KEY, with literal \\n as some platforms pass it", () => {
    const key = generateSigningKey();
    const keys = signingKeysFromConfig(loadConfig({ DATA_DIR: dir, JWT_SIGNING_KEY: key.pem.replaceAll("\n", "\\n") }));
    expect(keys.signer.kid).toBe(key.kid);
  });

  it("rotate by configuration: the files are re-read on reload", () => {
    const first = generateSigningKey();
    const second = generateSigningKey();
    const signing = write("rotating.pem", first.pem);
    const older = write("rotating-older.pem", first.pem);
    const config = loadConfig({ DATA_DIR: dir, JWT_SIGNING_KEY_FILE: signing, JWT_VERIFICATION_KEY_FILES: older });
    const keys = signingKeysFromConfig(config);
    const tokens = new AccessTokens({ keys, issuer: "auth-service", audience: "auth-service", ttlSeconds: 600 });
    const before = tokens.issue("u", SESSION);
    expect(keys.reload()).toBe(false);
    writeFileSync(signing, second.pem);
    expect(keys.reload()).toBe(true);
    expect(keys.signer.kid).toBe(second.kid);
    expect(failure(tokens, before)).toBe("accepted");
  });

  it.each([
    ["an RSA key", () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString(), "is not an EC P-256 key"],
    ["a P-384 key", () => generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString(), "is not an EC P-256 key"],
    ["an Ed25519 key", () => generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString(), "is not an EC P-256 key"],
    ["a public key", () => generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "pem", type: "spki" }).toString(), "must be the private key"],
    ["not a key", () => "hello", "is not a PEM key"],
  ])("refuse %s as the signing key, saying why", (_, pem, message) => {
    const file = write("bad.pem", pem());
    expect(() => signingKeysFromConfig(loadConfig({ DATA_DIR: dir, JWT_SIGNING_KEY_FILE: file }))).toThrow(message);
  });

  it("refuse a missing file, naming the variable", () => {
    expect(() =>
      signingKeysFromConfig(loadConfig({ DATA_DIR: dir, JWT_SIGNING_KEY_FILE: join(root, "nope.pem") })),
    ).toThrow(/JWT_SIGNING_KEY_FILE: cannot read/);
  });
});

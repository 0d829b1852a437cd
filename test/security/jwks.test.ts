// Other services verify our access tokens with the published public keys and
// no shared secret. The verifier here is Python (PyJWT, as Debian packages
// it), so nothing TypeScript-specific can hide a mistake. Key rotation runs
// through the real command (`npm run keys:rotate`).
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { failure, restDoor, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

const PYTHON = "/usr/bin/python3";
const VERIFIER = "test/support/verify-access-tokens.py";

type Verified = { ok: true; kid: string; claims: Record<string, unknown> } | { ok: false; error: string };

let clock = Date.now();
let t: TestServer;
let door: Door;
beforeAll(async () => {
  const probe = spawnSync(PYTHON, ["-c", "import jwt, cryptography"]);
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} with PyJWT is needed: apt-get install python3-jwt python3-cryptography (see .ci/run)`);
  }
  t = await startTestServer({}, () => clock);
  door = restDoor(t.baseUrl);
});
afterAll(() => t?.close());

async function pythonVerifies(tokens: string[], audience = "auth-service"): Promise<Verified[]> {
  const child = promisify(execFile)(PYTHON, [VERIFIER], { timeout: 20_000 });
  child.child.stdin!.end(JSON.stringify({ base_url: t.baseUrl, audience, tokens }));
  return JSON.parse((await child).stdout) as Verified[];
}

async function signedIn() {
  const account = newAccount();
  const { id } = await door.register(account);
  return { id, account, tokens: await door.login(account) };
}

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid as string;

describe("the published keys", () => {
  it("serves the public keys as a JWKS at /.well-known/jwks.json", async () => {
    const res = await fetch(`${t.baseUrl}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const jwks = (await res.json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toEqual([
      { kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String), kid: t.server.signingKeys.signer.kid, use: "sig", alg: "ES256" },
    ]);
    expect((await fetch(`${t.baseUrl}/.well-known/jwks.json`, { method: "HEAD" })).status).toBe(200);
    const post = await fetch(`${t.baseUrl}/.well-known/jwks.json`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("serves the issuer metadata that points to them", async () => {
    const res = await fetch(`${t.baseUrl}/.well-known/oauth-authorization-server`);
    expect(await res.json()).toEqual({ issuer: "auth-service", jwks_uri: `${t.baseUrl}/.well-known/jwks.json` });
  });
});

describe("a Python verifier (PyJWT) with only the JWKS", () => {
  it("accepts our access tokens and reads their claims", async () => {
    const { id, tokens } = await signedIn();
    const [result] = await pythonVerifies([tokens.accessToken]);
    expect(result).toMatchObject({
      ok: true,
      kid: t.server.signingKeys.signer.kid,
      claims: { sub: id, sid: expect.any(String), iss: "auth-service", aud: "auth-service", jti: expect.any(String) },
    });
  });

  it("rejects tampered and expired tokens, another audience, and refresh tokens", async () => {
    const { tokens } = await signedIn();
    const [h, p, s] = tokens.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: "someone-else" })).toString("base64url")}.${s}`;
    const now = clock;
    clock -= 2 * 3600 * 1000;
    const expired = (await signedIn()).tokens.accessToken;
    clock = now;

    expect(await pythonVerifies([tampered, expired, tokens.refreshToken])).toEqual([
      { ok: false, error: "InvalidSignatureError" },
      { ok: false, error: "ExpiredSignatureError" },
      { ok: false, error: "DecodeError" },
    ]);
    expect(await pythonVerifies([tokens.accessToken], "another-service")).toEqual([{ ok: false, error: "InvalidAudienceError" }]);
  });
});

describe("key rotation", () => {
  it("signs with the new key at once; tokens of the old key stay valid until they expire, then the old key goes", async () => {
    const { id, account, tokens: before } = await signedIn();
    const oldKid = kidOf(before.accessToken);

    const env = { ...process.env, NODE_ENV: "development", DATA_DIR: t.config.dataDir } as Record<string, string | undefined>;
    for (const variable of ["JWT_SIGNING_KEY_FILE", "JWT_SIGNING_KEY", "DATABASE_URL"]) delete env[variable];
    const rotated = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli/keys.ts", "rotate"], { env });
    expect(rotated.stdout).toMatch(/^new signing key \S+ in .*jwt-keys\.json; a running server uses it within 10 s\n$/);
    t.server.signingKeys.reload(); // what `npm start` does every 10 s

    const after = await door.login(account);
    const newKid = kidOf(after.accessToken);
    expect(newKid).not.toBe(oldKid);
    expect(rotated.stdout).toContain(newKid);
    const published = async () =>
      ((await (await fetch(`${t.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(await published()).toEqual([newKid, oldKid]);

    await door.getProfile(id, before.accessToken);
    await door.getProfile(id, after.accessToken);
    expect(await pythonVerifies([before.accessToken, after.accessToken])).toEqual([
      expect.objectContaining({ ok: true, kid: oldKid }),
      expect.objectContaining({ ok: true, kid: newKid }),
    ]);

    // Once every token of the old key has expired (15 min + 30 s skew after
    // the rotation), it is dropped.
    clock = Date.now() + (900 + 31) * 1000;
    t.server.signingKeys.reload();
    expect(await published()).toEqual([newKid]);
    expect(await failure(door.getProfile(id, before.accessToken))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_ACCESS_TOKEN_INVALID",
    });
    const fresh = await door.refresh(after.refreshToken);
    await door.getProfile(id, fresh.accessToken);
  });
});

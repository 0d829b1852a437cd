// The keys that sign and verify access tokens: ES256 (ECDSA on P-256), each
// named by a `kid` that is its RFC 7638 JWK thumbprint, so every instance
// derives the same kid from the same key without coordination.
//
// Production: JWT_SIGNING_KEY_FILE (or JWT_SIGNING_KEY) signs; the keys in
// JWT_VERIFICATION_KEY_FILES only verify. Rotating is a configuration change
// (README: "Rotating the signing key"); the server re-reads the files every
// few seconds (`reload()`), so replacing them needs no restart.
// Development: a key ring kept in the data folder, created on first start and
// rotated by `npm run keys:rotate`; a retired key keeps verifying until every
// token it signed has expired, then it is dropped.
//
// KeyObjects are made once per key: jsonwebtoken would otherwise parse PEM on
// every call.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type Config } from "../config.js";

export const SIGNING_ALGORITHM = "ES256";
/** The clock skew allowed when verifying tokens (also how long past `exp` a retired key must stay). */
export const CLOCK_SKEW_SECONDS = 30;

/** A public key as published in the JWKS (RFC 7517, RFC 7518 §6.2). */
export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  use: "sig";
  alg: typeof SIGNING_ALGORITHM;
}

interface Key {
  kid: string;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

export interface KeySet {
  signer: { kid: string; privateKey: KeyObject };
  /** Every key that verifies, by kid: the signer's and the others'. */
  verifiers: ReadonlyMap<string, Key>;
}

export class SigningKeys {
  private current: KeySet;

  constructor(private readonly load: () => KeySet) {
    this.current = load();
  }

  /**
   * Reads the keys again; returns true when the set changed (a rotation, or
   * a retired key dropped). On a bad key throws and keeps the old set.
   */
  reload(): boolean {
    const next = this.load();
    const changed = kids(next) !== kids(this.current);
    this.current = next;
    return changed;
  }

  get signer(): { kid: string; privateKey: KeyObject } {
    return this.current.signer;
  }

  verificationKey(kid: string): KeyObject | undefined {
    return this.current.verifiers.get(kid)?.publicKey;
  }

  /** The JSON Web Key Set to publish: public halves only. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: [...this.current.verifiers.values()].map((k) => k.jwk) };
  }
}

/**
 * The key set the configuration asks for: configured PEM keys, or else the
 * development key ring under dataDir. `warn` hears about the latter once.
 */
export function signingKeysFromConfig(
  config: Pick<Config, "jwt" | "dataDir">,
  options: { now?: () => number; warn?: (message: string) => void } = {},
): SigningKeys {
  const { jwt } = config;
  if (jwt.signingKeyFile !== undefined || jwt.signingKeyPem !== undefined) {
    return new SigningKeys(() => configuredKeySet(jwt));
  }
  const ring = developmentKeyRing(config);
  options.warn?.(
    `JWT_SIGNING_KEY_FILE not set: signing access tokens with a development key kept in ${ring.file} (never do this in production)`,
  );
  return new SigningKeys(() => ring.load(options.now?.() ?? Date.now()));
}

function configuredKeySet(jwt: Config["jwt"]): KeySet {
  const signing =
    jwt.signingKeyPem !== undefined
      ? parseKey(jwt.signingKeyPem, "JWT_SIGNING_KEY")
      : parseKey(readKeyFile(jwt.signingKeyFile!, "JWT_SIGNING_KEY_FILE"), `JWT_SIGNING_KEY_FILE (${jwt.signingKeyFile})`);
  if (signing.privateKey === undefined) {
    throw new ConfigError("the JWT signing key is a public key: it must be the private key (PEM, PKCS#8 or SEC1)");
  }
  const others = jwt.verificationKeyFiles.map((file) =>
    parseKey(readKeyFile(file, "JWT_VERIFICATION_KEY_FILES"), `JWT_VERIFICATION_KEY_FILES (${file})`),
  );
  return keySet(signing as ParsedKey & { privateKey: KeyObject }, others);
}

/** Where the development key ring lives, and how to read and rotate it. */
export function developmentKeyRing(config: Pick<Config, "jwt" | "dataDir">) {
  const file = join(config.dataDir, "jwt-keys.json");
  // A retired key verifies while tokens it signed may still be accepted.
  const retainMs = (config.jwt.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS) * 1000;

  const read = (now: number): StoredKey[] => {
    let stored: StoredKey[] = [];
    try {
      stored = (JSON.parse(readFileSync(file, "utf8")) as { keys: StoredKey[] }).keys;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new ConfigError(`cannot read the development key ring ${file}: ${(error as Error).message}`);
      }
    }
    return stored.filter((k) => k.retiredAt === undefined || Date.parse(k.retiredAt) + retainMs > now);
  };
  const write = (keys: StoredKey[]) => {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
  };
  const fresh = (now: number): StoredKey => ({ privateKey: generateSigningKey().pem, createdAt: new Date(now).toISOString() });

  return {
    file,
    /** The ring's keys; makes and keeps the first key on a fresh data folder. */
    load(now: number): KeySet {
      const all = read(now);
      let active = all.filter((k) => k.retiredAt === undefined);
      if (active.length === 0) {
        all.push(fresh(now));
        write(all);
        active = all.filter((k) => k.retiredAt === undefined);
      }
      const parsed = all.map((k) => parseKey(k.privateKey, file));
      const signer = parsed[all.indexOf(active.at(-1)!)]!;
      return keySet(signer as ParsedKey & { privateKey: KeyObject }, parsed);
    },
    /** A new key signs from now on; the previous ones retire and verify until their tokens expire. Returns the new kid. */
    rotate(now: number): string {
      const all = read(now).map((k) => (k.retiredAt === undefined ? { ...k, retiredAt: new Date(now).toISOString() } : k));
      const next = fresh(now);
      write([...all, next]);
      return parseKey(next.privateKey, file).kid;
    },
  };
}

interface StoredKey {
  /** PKCS#8 PEM. */
  privateKey: string;
  createdAt: string;
  /** When a newer key took over signing. */
  retiredAt?: string;
}

interface ParsedKey extends Key {
  privateKey: KeyObject | undefined;
}

/** A new ES256 private key as PKCS#8 PEM, with its kid. */
export function generateSigningKey(): { pem: string; kid: string } {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return { pem, kid: parseKey(pem, "a generated key").kid };
}

/** The set's identity: the signer, then every verifying kid. */
function kids(set: KeySet): string {
  return [set.signer.kid, ...set.verifiers.keys()].join(" ");
}

function keySet(signer: ParsedKey & { privateKey: KeyObject }, others: readonly ParsedKey[]): KeySet {
  const verifiers = new Map<string, Key>([[signer.kid, signer]]);
  for (const key of others) if (!verifiers.has(key.kid)) verifiers.set(key.kid, key);
  return { signer: { kid: signer.kid, privateKey: signer.privateKey }, verifiers };
}

function parseKey(pem: string, source: string): ParsedKey {
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
    publicKey = createPublicKey(privateKey);
  } catch {
    try {
      publicKey = createPublicKey(pem);
    } catch {
      throw new ConfigError(`${source} is not a PEM key`);
    }
  }
  if (publicKey.asymmetricKeyType !== "ec" || publicKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new ConfigError(
      `${source} is not an EC P-256 key, which ES256 needs (make one with: npm run keys:generate -- <file>)`,
    );
  }
  const { x, y } = publicKey.export({ format: "jwk" });
  const kid = thumbprint(x!, y!);
  return { kid, privateKey, publicKey, jwk: { kty: "EC", crv: "P-256", x: x!, y: y!, kid, use: "sig", alg: SIGNING_ALGORITHM } };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no white space. */
function thumbprint(x: string, y: string): string {
  return createHash("sha256").update(JSON.stringify({ crv: "P-256", kty: "EC", x, y })).digest("base64url");
}

function readKeyFile(file: string, variable: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read ${file}: ${(error as Error).message}`);
  }
}

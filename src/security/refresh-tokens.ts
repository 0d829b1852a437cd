// Refresh-token secrets: 256 random bits, stored only as a SHA-256 digest
// (a plain hash is enough for a secret this strong; nothing to slow down).
//
// When a token is rotated its successor is sealed (AES-256-GCM) under a key
// derived (HKDF) from the spent token itself and kept beside the spent
// token's digest for the reuse grace window. A client retrying the spent token
// can then be handed the very same successor, without the database ever
// holding a usable token: the digest does not yield the key, and the key
// comes only from the token the client presents.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

const TOKEN_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEAL_INFO = "auth-service refresh-token successor v1";

/** A new refresh token: 32 CSPRNG bytes, base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

/** What the database keeps of a token: lower-case hex SHA-256. */
export function refreshTokenDigest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The successor, readable only with `predecessor`. */
export function sealSuccessor(predecessor: string, successor: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(predecessor), iv);
  const sealed = Buffer.concat([cipher.update(successor, "utf8"), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString("base64url");
}

/** The successor sealed under `predecessor`, or undefined if it does not open. */
export function openSuccessor(predecessor: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", sealingKey(predecessor), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

function sealingKey(token: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(token, "utf8"), Buffer.alloc(0), SEAL_INFO, 32));
}

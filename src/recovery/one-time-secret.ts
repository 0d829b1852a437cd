// One-time secrets for mailed links: 32 bytes from the CSPRNG, sent as
// base64url; only their SHA-256 is stored, so a database leak gives no usable
// token.
import { createHash, randomBytes } from "node:crypto";

export function newSecret(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashSecret(token) };
}

export function hashSecret(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

// Development convenience: secrets that were not configured are generated once
// and kept in the data folder, so tokens and password hashes survive restarts.
// Production never gets here: loadConfig refuses to start without them.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Secrets {
  jwtSecret: string;
  passwordPepper: string;
}

export function resolveSecrets(
  configured: { jwtSecret: string | undefined; passwordPepper: string | undefined },
  dataDir: string,
  warn: (message: string) => void,
): Secrets {
  if (configured.jwtSecret !== undefined && configured.passwordPepper !== undefined) {
    return { jwtSecret: configured.jwtSecret, passwordPepper: configured.passwordPepper };
  }
  const file = join(dataDir, "dev-secrets.json");
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>;
  } catch {
    // First start: nothing kept yet.
  }
  const secrets: Secrets = {
    jwtSecret: configured.jwtSecret ?? stored.jwtSecret ?? randomBytes(32).toString("base64url"),
    passwordPepper: configured.passwordPepper ?? stored.passwordPepper ?? randomBytes(32).toString("base64url"),
  };
  if (stored.jwtSecret !== secrets.jwtSecret || stored.passwordPepper !== secrets.passwordPepper) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  warn(`JWT_SECRET or PASSWORD_PEPPER not set: using development secrets kept in ${file} (never do this in production)`);
  return secrets;
}

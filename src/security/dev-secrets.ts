// Development convenience: secrets that were not configured are generated once
// and kept in the data folder, so password hashes survive restarts.
// Production never gets here: loadConfig refuses to start without them.
// (The development signing keys live beside them: see signing-keys.ts.)
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Secrets {
  passwordPepper: string;
}

export function resolveSecrets(
  configured: { passwordPepper: string | undefined },
  dataDir: string,
  warn: (message: string) => void,
): Secrets {
  if (configured.passwordPepper !== undefined) return { passwordPepper: configured.passwordPepper };
  const file = join(dataDir, "dev-secrets.json");
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>;
  } catch {
    // First start: nothing kept yet.
  }
  const secrets: Secrets = { passwordPepper: stored.passwordPepper ?? randomBytes(32).toString("base64url") };
  if (stored.passwordPepper !== secrets.passwordPepper) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  warn(`PASSWORD_PEPPER not set: using a development pepper kept in ${file} (never do this in production)`);
  return secrets;
}

// Turns DATABASE_URL (+ CA settings) into MikroORM/pg connection options,
// including TLS for managed PostgreSQL (Aiven, RDS, Cloud SQL...).
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

/** libpq's sslmode values; `prefer`/`allow` are treated as `require` would be too lax to guess. */
export type SslMode = "disable" | "require" | "verify-ca" | "verify-full";

export interface DatabaseTarget {
  /** The URL without TLS query parameters (pg would otherwise re-parse them). */
  clientUrl: string;
  ssl: ConnectionOptions | false;
  sslMode: SslMode;
}

export function databaseTarget(url: string, ca: { file?: string | undefined; pem?: string | undefined } = {}): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("DATABASE_URL is not a valid URL (expected postgresql://user:password@host:port/database)");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(`DATABASE_URL must start with postgresql:// (got ${parsed.protocol}//)`);
  }
  const requested = parsed.searchParams.get("sslmode") ?? undefined;
  for (const key of ["sslmode", "sslrootcert", "sslcert", "sslkey", "uselibpqcompat"]) parsed.searchParams.delete(key);
  const caPem = ca.pem ?? (ca.file !== undefined ? readFileSync(ca.file, "utf8") : undefined);

  const sslMode = normaliseSslMode(requested, caPem !== undefined);
  let ssl: ConnectionOptions | false;
  switch (sslMode) {
    case "disable":
      ssl = false;
      break;
    case "require":
      // libpq semantics: encrypt, verify only when a CA is supplied.
      ssl = caPem !== undefined ? { ca: caPem, rejectUnauthorized: true } : { rejectUnauthorized: false };
      break;
    case "verify-ca":
      ssl = { ...(caPem !== undefined ? { ca: caPem } : {}), rejectUnauthorized: true, checkServerIdentity: () => undefined };
      break;
    case "verify-full":
      ssl = { ...(caPem !== undefined ? { ca: caPem } : {}), rejectUnauthorized: true };
      break;
  }
  return { clientUrl: parsed.toString(), ssl, sslMode };
}

function normaliseSslMode(mode: string | undefined, haveCa: boolean): SslMode {
  switch (mode) {
    case undefined:
      return haveCa ? "verify-full" : "disable";
    case "disable":
    case "require":
    case "verify-ca":
    case "verify-full":
      return mode;
    case "allow":
    case "prefer":
      return "require";
    default:
      throw new Error(`DATABASE_URL has an unknown sslmode "${mode}" (use disable, require, verify-ca or verify-full)`);
  }
}

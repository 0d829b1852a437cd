// The one place where the benchmark decides how the service under test is
// configured. Everything the service reads comes from here (plus the database
// URL and port the harness picks), so adjusting the bench to a new setting is
// an edit in this file only.
import { randomBytes } from "node:crypto";
import { generateSigningKey } from "../src/security/signing-keys.js";

/** Secrets shared by the service, the seeder (password hashes) and the raw baseline (its own HS256 tokens). */
export const benchSecrets = {
  signingKey: generateSigningKey().pem,
  jwtSecret: randomBytes(32).toString("base64url"),
  passwordPepper: randomBytes(32).toString("base64url"),
};

export function serviceEnv(options: {
  databaseUrl: string;
  port: number;
  bcryptCost: number;
  smtpUrl: string;
}): Record<string, string> {
  return {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(options.port),
    DATABASE_URL: options.databaseUrl,
    JWT_SIGNING_KEY: benchSecrets.signingKey,
    PASSWORD_PEPPER: benchSecrets.passwordPepper,
    BCRYPT_COST: String(options.bcryptCost),
    // Mail goes to a loopback sink (bench/mail-sink.ts), as production's goes to a relay.
    SMTP_URL: options.smtpUrl,
    PUBLIC_BASE_URL: `http://127.0.0.1:${options.port}`,
    // One log line per RPC at info is what production writes; the baseline
    // writes none, so the comparison is made without request logs. Run with
    // BENCH_LOG_LEVEL=info to see what they cost.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
    // The pool the raw baseline gets too.
    DATABASE_POOL_MAX: "10",
    // Password work: the service's defaults (one thread per core, 8 waiting
    // calls per thread, nice 10) unless BENCH_SERVICE_ENV says otherwise.
    // Per-client rate limits would turn a load generator on one address into
    // 429s, so they are raised out of reach, and kept in memory: the bench
    // measures the service, not the limiter's store (BENCH_SERVICE_ENV can
    // bring RATE_LIMIT_STORE=postgres back to see what it costs).
    RATE_LIMIT_STORE: "memory",
    RATE_LIMIT_PER_ADDRESS: "1000000/1s",
    RATE_LIMIT_LOGIN_PER_ADDRESS: "1000000/1s",
    RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "1000000/1s",
    RATE_LIMIT_REGISTER_PER_ADDRESS: "1000000/1s",
    ...extraEnv(),
  };
}

/** BENCH_SERVICE_ENV="PASSWORD_HASH_NICE=0 DATABASE_POOL_MAX=20": settings to compare without editing this file. */
function extraEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_SERVICE_ENV ?? "").split(/\s+/).filter(Boolean);
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
}

// The one place where the environment becomes typed, validated configuration.
// Every variable is documented in the README's configuration table.
import { z } from "zod";

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));
const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  );

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: integer(0, 65535).default(8080),
  TLS_CERT_FILE: optionalText,
  TLS_KEY_FILE: optionalText,
  DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: optionalText,
  DATABASE_CA_FILE: optionalText,
  DATABASE_CA: optionalText,
  DATABASE_POOL_MAX: integer(1, 200).default(10),
  DATABASE_CONNECT_RETRIES: integer(0, 100).default(5),
  JWT_SECRET: optionalText,
  JWT_ISSUER: z.string().min(1).default("auth-service"),
  JWT_AUDIENCE: z.string().min(1).default("auth-service"),
  ACCESS_TOKEN_TTL_SECONDS: integer(60, 86_400).default(900),
  PASSWORD_PEPPER: optionalText,
  BCRYPT_COST: integer(4, 15).default(12),
  PASSWORD_MIN_LENGTH: integer(1, 64).default(8),
  CORS_ORIGINS: list,
  MAX_MESSAGE_BYTES: integer(1024, 16 * 1024 * 1024).default(64 * 1024),
  MAX_REQUEST_BODY_BYTES: integer(1024, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(1_000, 600_000).default(65_000),
  SHUTDOWN_GRACE_MS: integer(0, 600_000).default(20_000),
  AUDIT_RETENTION_DAYS: integer(1, 3650).default(90),
  HEALTH_CHECK_INTERVAL_MS: integer(100, 600_000).default(5_000),
  HEALTH_CHECK_TIMEOUT_MS: integer(50, 60_000).default(1_000),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:8080"),
  PRODUCT_NAME: z.string().min(1).max(100).default("Auth Service"),
  SMTP_URL: optionalText,
  MAIL_FROM: optionalText,
  MAIL_POLL_INTERVAL_MS: integer(10, 600_000).default(1_000),
  MAIL_RETRY_BASE_MS: integer(10, 3_600_000).default(5_000),
  MAIL_RETRY_MAX_MS: integer(10, 86_400_000).default(3_600_000),
  VERIFY_EMAIL_TOKEN_TTL_SECONDS: integer(1, 7 * 86_400).default(86_400),
  RESET_PASSWORD_TOKEN_TTL_SECONDS: integer(1, 86_400).default(3_600),
  RECOVERY_MAIL_INTERVAL_SECONDS: integer(0, 86_400).default(60),
  REQUIRE_VERIFIED_EMAIL: z.enum(["true", "false", "1", "0"]).default("false"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface Config {
  env: "development" | "production" | "test";
  host: string;
  port: number;
  tls: { certFile: string; keyFile: string } | undefined;
  dataDir: string;
  database: {
    /** Unset: start an embedded PostgreSQL under dataDir. */
    url: string | undefined;
    /** PEM CA bundle for verifying a managed server's certificate. */
    caFile: string | undefined;
    ca: string | undefined;
    poolMax: number;
    connectRetries: number;
  };
  jwt: {
    /** Unset outside production: generated once and kept in dataDir. */
    secret: string | undefined;
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
  };
  password: {
    /** Unset outside production: generated once and kept in dataDir. */
    pepper: string | undefined;
    bcryptCost: number;
    minLength: number;
  };
  corsOrigins: string[];
  limits: { maxMessageBytes: number; maxRequestBodyBytes: number; maxTimeoutMs: number };
  http: {
    /** A client must finish sending request headers (or its first bytes) within this. */
    headersTimeoutMs: number;
    /** Idle keep-alive connections and HTTP/2 sessions close after this; keep it above the load balancer's. */
    keepAliveTimeoutMs: number;
  };
  /** On SIGTERM, in-flight requests get this long before connections are dropped. */
  shutdownGraceMs: number;
  /** Security events older than this are deleted. */
  auditRetentionDays: number;
  /** Database pings behind gRPC health and /readyz. */
  health: { intervalMs: number; timeoutMs: number };
  mail: {
    /** Unset (development only): messages are written to the log instead of sent. */
    smtpUrl: string | undefined;
    from: string;
    productName: string;
    /** Links in mail start here; never derived from a request's Host header. */
    publicBaseUrl: string;
    pollIntervalMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
  };
  recovery: {
    verifyEmailTtlSeconds: number;
    resetPasswordTtlSeconds: number;
    /** At most one verification or reset mail per account per this many seconds. */
    mailIntervalSeconds: number;
    /** Login refuses accounts whose email is not verified. */
    requireVerifiedEmail: boolean;
  };
  logLevel: z.infer<typeof schema>["LOG_LEVEL"];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and validates configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  if ((e.TLS_CERT_FILE === undefined) !== (e.TLS_KEY_FILE === undefined)) {
    problems.push("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  }
  if (e.NODE_ENV === "production") {
    if (e.JWT_SECRET === undefined) problems.push("JWT_SECRET is required in production");
    if (e.PASSWORD_PEPPER === undefined) problems.push("PASSWORD_PEPPER is required in production");
    if (e.DATABASE_URL === undefined) problems.push("DATABASE_URL is required in production");
    if (e.SMTP_URL === undefined) problems.push("SMTP_URL is required in production (without it mail is only logged)");
    if (env.PUBLIC_BASE_URL === undefined) problems.push("PUBLIC_BASE_URL is required in production (links in mail use it)");
    if (e.BCRYPT_COST < 10) problems.push("BCRYPT_COST must be at least 10 in production");
  }
  if (e.JWT_SECRET !== undefined && Buffer.byteLength(e.JWT_SECRET) < 32) {
    problems.push("JWT_SECRET must be at least 32 bytes (256 bits)");
  }
  if (e.PASSWORD_PEPPER !== undefined && Buffer.byteLength(e.PASSWORD_PEPPER) < 32) {
    problems.push("PASSWORD_PEPPER must be at least 32 bytes");
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : undefined,
    dataDir: e.DATA_DIR,
    database: {
      url: e.DATABASE_URL,
      caFile: e.DATABASE_CA_FILE,
      ca: e.DATABASE_CA,
      poolMax: e.DATABASE_POOL_MAX,
      connectRetries: e.DATABASE_CONNECT_RETRIES,
    },
    jwt: {
      secret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    },
    password: { pepper: e.PASSWORD_PEPPER, bcryptCost: e.BCRYPT_COST, minLength: e.PASSWORD_MIN_LENGTH },
    corsOrigins: e.CORS_ORIGINS,
    limits: {
      maxMessageBytes: e.MAX_MESSAGE_BYTES,
      maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
      maxTimeoutMs: e.MAX_TIMEOUT_MS,
    },
    http: { headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS, keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    health: { intervalMs: e.HEALTH_CHECK_INTERVAL_MS, timeoutMs: e.HEALTH_CHECK_TIMEOUT_MS },
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM ?? `${e.PRODUCT_NAME} <no-reply@localhost>`,
      productName: e.PRODUCT_NAME,
      publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, ""),
      pollIntervalMs: e.MAIL_POLL_INTERVAL_MS,
      retryBaseMs: e.MAIL_RETRY_BASE_MS,
      retryMaxMs: e.MAIL_RETRY_MAX_MS,
    },
    recovery: {
      verifyEmailTtlSeconds: e.VERIFY_EMAIL_TOKEN_TTL_SECONDS,
      resetPasswordTtlSeconds: e.RESET_PASSWORD_TOKEN_TTL_SECONDS,
      mailIntervalSeconds: e.RECOVERY_MAIL_INTERVAL_SECONDS,
      requireVerifiedEmail: e.REQUIRE_VERIFIED_EMAIL === "true" || e.REQUIRE_VERIFIED_EMAIL === "1",
    },
    logLevel: e.LOG_LEVEL,
  };
}

// The one place where the environment becomes typed, validated configuration.
// Every variable is documented in the README's configuration table.
import { availableParallelism } from "node:os";
import { z } from "zod";
import { parseTrustedProxy } from "./abuse/client-address.js";

const DAY = 86_400;
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

/** A duration such as `90s`, `5m`, `1h` or `2d`, in whole seconds (Redis counts whole seconds). */
const SECONDS_PER_UNIT: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
const duration = z
  .string()
  .trim()
  .regex(/^\d+[smhd]$/, "must be a duration like 30s, 5m, 1h or 1d")
  .transform((value) => Number(value.slice(0, -1)) * SECONDS_PER_UNIT[value.slice(-1)]!)
  .refine((seconds) => seconds >= 1 && seconds <= 30 * 86_400, "must be between 1s and 30d");
/** A rate limit such as `60/5m`: at most 60 calls in each 5-minute window. */
const limit = z
  .string()
  .trim()
  .regex(/^\d+\/\d+[smhd]$/, "must be a limit like 60/5m (calls per window)")
  .transform((value) => {
    const [points, window] = value.split("/") as [string, string];
    return { points: Number(points), seconds: duration.parse(window) };
  })
  .refine((l) => l.points >= 1 && l.points <= 1_000_000, "must allow between 1 and 1000000 calls per window");

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
  JWT_SIGNING_KEY_FILE: optionalText,
  JWT_SIGNING_KEY: optionalText,
  JWT_VERIFICATION_KEY_FILES: list,
  JWT_ISSUER: z.string().min(1).default("auth-service"),
  JWT_AUDIENCE: z.string().min(1).default("auth-service"),
  ACCESS_TOKEN_TTL_SECONDS: integer(60, 86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: integer(60, 365 * DAY).default(30 * DAY),
  SESSION_MAX_LIFETIME_SECONDS: integer(60, 365 * DAY).default(90 * DAY),
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: integer(0, 60).default(5),
  SESSIONS_PER_USER_MAX: integer(1, 1000).default(20),
  SESSION_CHECK_CACHE_SECONDS: integer(0, 300).default(5),
  PASSWORD_PEPPER: optionalText,
  BCRYPT_COST: integer(4, 15).default(12),
  PASSWORD_MIN_LENGTH: integer(1, 64).default(15),
  PASSWORD_HASH_THREADS: integer(1, 256).optional(),
  PASSWORD_HASH_MAX_QUEUE: integer(0, 100_000).optional(),
  PASSWORD_HASH_NICE: integer(0, 19).default(10),
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
  RECOVERY_MAILS_PER_HOUR: integer(0, 1_000).default(5),
  REQUIRE_VERIFIED_EMAIL: z.enum(["true", "false", "1", "0"]).default("false"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  RATE_LIMIT_STORE: z.enum(["postgres", "redis", "memory"]).optional(),
  REDIS_URL: optionalText,
  RATE_LIMIT_DATABASE_URL: optionalText,
  RATE_LIMIT_KEY_PREFIX: z.string().regex(/^[\w.-]{1,32}$/, "must be 1-32 letters, digits, '_', '.' or '-'").default("auth"),
  TRUSTED_PROXIES: list,
  RATE_LIMIT_PER_ADDRESS: limit.prefault("600/1m"),
  RATE_LIMIT_LOGIN_PER_ADDRESS: limit.prefault("60/5m"),
  RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: limit.prefault("10/5m"),
  RATE_LIMIT_REGISTER_PER_ADDRESS: limit.prefault("10/1h"),
  RATE_LIMIT_REFRESH_PER_ADDRESS: limit.prefault("150/5m"),
  LOGIN_FREE_FAILURES: integer(1, 100).default(5),
  LOGIN_MAX_CONSECUTIVE_FAILURES: integer(1, 100).default(100),
  LOGIN_BACKOFF_INITIAL: duration.prefault("1s"),
  LOGIN_BACKOFF_MAX: duration.prefault("15m"),
  LOGIN_FAILURE_WINDOW: duration.prefault("1d"),
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
    /**
     * The key that signs access tokens (a PEM file, or PEM text). Both unset
     * outside production: a development key ring is kept in dataDir.
     */
    signingKeyFile: string | undefined;
    signingKeyPem: string | undefined;
    /** PEM files of further keys that verify (and are published) but never sign. */
    verificationKeyFiles: string[];
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
  };
  sessions: {
    /** Idle lifetime of a refresh token; each Refresh starts it again. */
    refreshTokenTtlSeconds: number;
    /** Absolute lifetime of a session, whatever its refreshes. */
    maxLifetimeSeconds: number;
    /** How long a retry of a just-spent refresh token gets the current one back instead of ending the session. */
    reuseGraceSeconds: number;
    /** Active sessions per user; a login beyond that ends the oldest. */
    maxPerUser: number;
    /** How long an instance trusts its last look at a session's state when checking an access token. */
    checkCacheSeconds: number;
  };
  password: {
    /** Unset outside production: generated once and kept in dataDir. */
    pepper: string | undefined;
    bcryptCost: number;
    minLength: number;
    /** Wrong passwords in a row after which the password stops working until a reset (NIST SP 800-63B: at most 100). */
    maxConsecutiveFailures: number;
    /** Threads doing bcrypt, calls allowed to wait for one, and their CPU priority (nice increment). */
    work: { threads: number; maxQueue: number; nice: number };
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
    /** At most one verification or reset mail to an address per this many seconds. */
    mailIntervalSeconds: number;
    /** At most this many of each kind to an address per hour (0: no limit). */
    mailsPerHour: number;
    /** Login refuses accounts whose email is not verified. */
    requireVerifiedEmail: boolean;
  };
  logLevel: z.infer<typeof schema>["LOG_LEVEL"];
  abuse: AbuseConfig;
}

/** At most `points` calls in each window of `seconds`. */
export interface Limit {
  points: number;
  seconds: number;
}

export interface AbuseConfig {
  /** Where limiter counters live: shared by every instance unless "memory". */
  store: "postgres" | "redis" | "memory";
  redisUrl: string | undefined;
  /** A separate PostgreSQL for the counters; unset: the service's own database. */
  databaseUrl: string | undefined;
  /** Namespaces the counters, for stores shared with other services. */
  keyPrefix: string;
  /** Peers (IPs or CIDRs) whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  limits: {
    perAddress: Limit;
    loginPerAddress: Limit;
    loginPerAddressEmail: Limit;
    registerPerAddress: Limit;
    refreshPerAddress: Limit;
  };
  loginBackoff: {
    /** Consecutive failures per email address before waits start. */
    freeFailures: number;
    initialSeconds: number;
    maxSeconds: number;
    /** How long a run of failures is remembered, counted from its first failure. */
    windowSeconds: number;
  };
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
    if (e.JWT_SIGNING_KEY_FILE === undefined && e.JWT_SIGNING_KEY === undefined) {
      problems.push("JWT_SIGNING_KEY_FILE (or JWT_SIGNING_KEY) is required in production");
    }
    if (e.PASSWORD_PEPPER === undefined) problems.push("PASSWORD_PEPPER is required in production");
    if (e.DATABASE_URL === undefined) problems.push("DATABASE_URL is required in production");
    if (e.SMTP_URL === undefined) problems.push("SMTP_URL is required in production (without it mail is only logged)");
    if (env.PUBLIC_BASE_URL === undefined) problems.push("PUBLIC_BASE_URL is required in production (links in mail use it)");
    if (e.BCRYPT_COST < 10) problems.push("BCRYPT_COST must be at least 10 in production");
  }
  if (e.JWT_SIGNING_KEY_FILE !== undefined && e.JWT_SIGNING_KEY !== undefined) {
    problems.push("set JWT_SIGNING_KEY_FILE or JWT_SIGNING_KEY, not both");
  }
  if (e.SESSION_MAX_LIFETIME_SECONDS < e.REFRESH_TOKEN_TTL_SECONDS) {
    problems.push("SESSION_MAX_LIFETIME_SECONDS must be at least REFRESH_TOKEN_TTL_SECONDS");
  }
  if (e.PASSWORD_PEPPER !== undefined && Buffer.byteLength(e.PASSWORD_PEPPER) < 32) {
    problems.push("PASSWORD_PEPPER must be at least 32 bytes");
  }
  for (const proxy of e.TRUSTED_PROXIES) {
    if (parseTrustedProxy(proxy) === undefined) problems.push(`TRUSTED_PROXIES: "${proxy}" is not an IP address or CIDR range`);
  }
  if (e.RATE_LIMIT_STORE === "redis" && e.REDIS_URL === undefined) problems.push("RATE_LIMIT_STORE=redis needs REDIS_URL");
  if (e.LOGIN_BACKOFF_MAX < e.LOGIN_BACKOFF_INITIAL) problems.push("LOGIN_BACKOFF_MAX must not be below LOGIN_BACKOFF_INITIAL");
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  // One bcrypt thread per core turns every core into password work when
  // there is nothing else to do; eight waiting calls per thread is about
  // 2 s of queue at cost 12 before callers are told to come back later.
  const hashThreads = e.PASSWORD_HASH_THREADS ?? availableParallelism();
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
      signingKeyFile: e.JWT_SIGNING_KEY_FILE,
      // Platforms that cannot hold multi-line values pass PEM with literal "\n".
      signingKeyPem: e.JWT_SIGNING_KEY?.replaceAll("\\n", "\n"),
      verificationKeyFiles: e.JWT_VERIFICATION_KEY_FILES,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    },
    sessions: {
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      maxLifetimeSeconds: e.SESSION_MAX_LIFETIME_SECONDS,
      reuseGraceSeconds: e.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
      maxPerUser: e.SESSIONS_PER_USER_MAX,
      checkCacheSeconds: e.SESSION_CHECK_CACHE_SECONDS,
    },
    password: {
      pepper: e.PASSWORD_PEPPER,
      bcryptCost: e.BCRYPT_COST,
      minLength: e.PASSWORD_MIN_LENGTH,
      maxConsecutiveFailures: e.LOGIN_MAX_CONSECUTIVE_FAILURES,
      work: { threads: hashThreads, maxQueue: e.PASSWORD_HASH_MAX_QUEUE ?? hashThreads * 8, nice: e.PASSWORD_HASH_NICE },
    },
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
      mailsPerHour: e.RECOVERY_MAILS_PER_HOUR,
      requireVerifiedEmail: e.REQUIRE_VERIFIED_EMAIL === "true" || e.REQUIRE_VERIFIED_EMAIL === "1",
    },
    logLevel: e.LOG_LEVEL,
    abuse: {
      store: e.RATE_LIMIT_STORE ?? (e.REDIS_URL !== undefined ? "redis" : "postgres"),
      redisUrl: e.REDIS_URL,
      databaseUrl: e.RATE_LIMIT_DATABASE_URL,
      keyPrefix: e.RATE_LIMIT_KEY_PREFIX,
      trustedProxies: e.TRUSTED_PROXIES,
      limits: {
        perAddress: e.RATE_LIMIT_PER_ADDRESS,
        loginPerAddress: e.RATE_LIMIT_LOGIN_PER_ADDRESS,
        loginPerAddressEmail: e.RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL,
        registerPerAddress: e.RATE_LIMIT_REGISTER_PER_ADDRESS,
        refreshPerAddress: e.RATE_LIMIT_REFRESH_PER_ADDRESS,
      },
      loginBackoff: {
        freeFailures: e.LOGIN_FREE_FAILURES,
        initialSeconds: e.LOGIN_BACKOFF_INITIAL,
        maxSeconds: e.LOGIN_BACKOFF_MAX,
        windowSeconds: e.LOGIN_FAILURE_WINDOW,
      },
    },
  };
}

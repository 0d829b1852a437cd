import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { databaseTarget } from "../src/db/connection-options.js";

describe("loadConfig", () => {
  it("has safe development defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: "development",
      host: "127.0.0.1",
      port: 8080,
      password: { bcryptCost: 12, minLength: 15 },
      jwt: { accessTokenTtlSeconds: 900, signingKeyFile: undefined, signingKeyPem: undefined, verificationKeyFiles: [] },
      sessions: {
        refreshTokenTtlSeconds: 30 * 86_400,
        maxLifetimeSeconds: 90 * 86_400,
        reuseGraceSeconds: 5,
        maxPerUser: 20,
        checkCacheSeconds: 5,
      },
      limits: { maxMessageBytes: 65536, maxTimeoutMs: 30000 },
    });
  });

  it("gives password work one thread per core and eight waiting calls per thread unless told otherwise", () => {
    const cores = availableParallelism();
    expect(loadConfig({}).password.work).toEqual({ threads: cores, maxQueue: cores * 8, nice: 10 });
    expect(loadConfig({ PASSWORD_HASH_THREADS: "3" }).password.work).toEqual({ threads: 3, maxQueue: 24, nice: 10 });
    expect(loadConfig({ PASSWORD_HASH_MAX_QUEUE: "0", PASSWORD_HASH_NICE: "0" }).password.work).toMatchObject({ maxQueue: 0, nice: 0 });
    expect(() => loadConfig({ PASSWORD_HASH_THREADS: "0", PASSWORD_HASH_NICE: "20" })).toThrow(/PASSWORD_HASH_THREADS[\s\S]*PASSWORD_HASH_NICE/);
  });

  it("lists every problem at once", () => {
    expect(() => loadConfig({ PORT: "http", BCRYPT_COST: "99", TLS_CERT_FILE: "cert.pem" })).toThrow(/PORT[\s\S]*BCRYPT_COST/);
    expect(() => loadConfig({ TLS_CERT_FILE: "cert.pem" })).toThrow("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  });

  it("requires strong secrets, and explicit ones in production", () => {
    expect(() => loadConfig({ PASSWORD_PEPPER: "short" })).toThrow("PASSWORD_PEPPER must be at least 32 bytes");
    expect(() => loadConfig({ NODE_ENV: "production", BCRYPT_COST: "8" })).toThrow(
      /JWT_SIGNING_KEY_FILE \(or JWT_SIGNING_KEY\) is required in production[\s\S]*BCRYPT_COST must be at least 10/,
    );
    expect(() => loadConfig({ JWT_SIGNING_KEY_FILE: "a.pem", JWT_SIGNING_KEY: "-----BEGIN" })).toThrow(
      "set JWT_SIGNING_KEY_FILE or JWT_SIGNING_KEY, not both",
    );
  });

  it("reads the session lifetimes and keeps the absolute one at least the idle one", () => {
    expect(loadConfig({ JWT_VERIFICATION_KEY_FILES: "old.pem, older.pem" }).jwt.verificationKeyFiles).toEqual(["old.pem", "older.pem"]);
    expect(() => loadConfig({ REFRESH_TOKEN_TTL_SECONDS: "7200", SESSION_MAX_LIFETIME_SECONDS: "3600" })).toThrow(
      "SESSION_MAX_LIFETIME_SECONDS must be at least REFRESH_TOKEN_TTL_SECONDS",
    );
    expect(() => loadConfig({ REFRESH_TOKEN_REUSE_GRACE_SECONDS: "61" })).toThrow(/REFRESH_TOKEN_REUSE_GRACE_SECONDS/);
  });

  it("refuses production without SMTP_URL and PUBLIC_BASE_URL, and has recovery defaults", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/SMTP_URL is required in production[\s\S]*PUBLIC_BASE_URL is required/);
    expect(loadConfig({})).toMatchObject({
      mail: { smtpUrl: undefined, publicBaseUrl: "http://127.0.0.1:8080", productName: "Auth Service" },
      recovery: { verifyEmailTtlSeconds: 86_400, resetPasswordTtlSeconds: 3_600, mailIntervalSeconds: 60, requireVerifiedEmail: false },
    });
    expect(loadConfig({ PUBLIC_BASE_URL: "https://a.example/app/", REQUIRE_VERIFIED_EMAIL: "true" })).toMatchObject({
      mail: { publicBaseUrl: "https://a.example/app" },
      recovery: { requireVerifiedEmail: true },
    });
    expect(() => loadConfig({ PUBLIC_BASE_URL: "javascript:alert(1)" })).toThrow(/PUBLIC_BASE_URL/);
  });

  it("reads lists", () => {
    expect(loadConfig({ CORS_ORIGINS: "https://a.example, https://b.example ," }).corsOrigins).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });
});

describe("databaseTarget", () => {
  const url = "postgresql://u:p@db.example:5432/auth";

  it("uses no TLS unless asked", () => {
    expect(databaseTarget(url)).toMatchObject({ sslMode: "disable", ssl: false });
  });

  it("verifies the server with a CA file's certificate and hides TLS parameters from pg", () => {
    const target = databaseTarget(`${url}?sslmode=verify-full`, { pem: "-----BEGIN CERTIFICATE-----" });
    expect(target.ssl).toMatchObject({ ca: "-----BEGIN CERTIFICATE-----", rejectUnauthorized: true });
    expect(target.clientUrl).toBe(url);
  });

  it("follows libpq: require encrypts, and verifies only when a CA is given", () => {
    expect(databaseTarget(`${url}?sslmode=require`).ssl).toEqual({ rejectUnauthorized: false });
    expect(databaseTarget(`${url}?sslmode=require`, { pem: "CA" }).ssl).toEqual({ ca: "CA", rejectUnauthorized: true });
  });

  it("rejects nonsense clearly", () => {
    expect(() => databaseTarget("mysql://x")).toThrow("DATABASE_URL must start with postgresql://");
    expect(() => databaseTarget(`${url}?sslmode=sometimes`)).toThrow('unknown sslmode "sometimes"');
  });
});

describe("abuse protection settings", () => {
  it("default to the documented limits, counted in PostgreSQL", () => {
    expect(loadConfig({}).abuse).toEqual({
      store: "postgres",
      redisUrl: undefined,
      databaseUrl: undefined,
      keyPrefix: "auth",
      trustedProxies: [],
      limits: {
        perAddress: { points: 600, seconds: 60 },
        loginPerAddress: { points: 60, seconds: 300 },
        loginPerAddressEmail: { points: 10, seconds: 300 },
        registerPerAddress: { points: 10, seconds: 3_600 },
        refreshPerAddress: { points: 150, seconds: 300 },
      },
      loginBackoff: { freeFailures: 5, initialSeconds: 1, maxSeconds: 900, windowSeconds: 86_400 },
    });
  });

  it("count in Redis when REDIS_URL is set, and in memory only when asked", () => {
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).abuse.store).toBe("redis");
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", RATE_LIMIT_STORE: "postgres" }).abuse.store).toBe("postgres");
    expect(loadConfig({ RATE_LIMIT_STORE: "memory" }).abuse.store).toBe("memory");
    expect(() => loadConfig({ RATE_LIMIT_STORE: "redis" })).toThrow("RATE_LIMIT_STORE=redis needs REDIS_URL");
  });

  it("read limits as calls per window and durations in whole seconds", () => {
    const config = loadConfig({ RATE_LIMIT_REGISTER_PER_ADDRESS: "3/2d", LOGIN_BACKOFF_MAX: "90s" });
    expect(config.abuse.limits.registerPerAddress).toEqual({ points: 3, seconds: 172_800 });
    expect(config.abuse.loginBackoff.maxSeconds).toBe(90);
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_PER_ADDRESS: "60 per minute" })).toThrow("must be a limit like 60/5m");
    expect(() => loadConfig({ LOGIN_BACKOFF_INITIAL: "500ms" })).toThrow("must be a duration like 30s");
    expect(() => loadConfig({ LOGIN_BACKOFF_INITIAL: "10m", LOGIN_BACKOFF_MAX: "1m" })).toThrow(
      "LOGIN_BACKOFF_MAX must not be below LOGIN_BACKOFF_INITIAL",
    );
  });

  it("accept trusted proxies as addresses or CIDR ranges only", () => {
    expect(loadConfig({ TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).abuse.trustedProxies).toEqual(["10.0.0.0/8", "::1"]);
    expect(() => loadConfig({ TRUSTED_PROXIES: "10.0.0.0/8,lb.internal" })).toThrow(
      'TRUSTED_PROXIES: "lb.internal" is not an IP address or CIDR range',
    );
  });
});

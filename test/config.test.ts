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
      password: { bcryptCost: 12, minLength: 8 },
      jwt: { accessTokenTtlSeconds: 900 },
      limits: { maxMessageBytes: 65536, maxTimeoutMs: 30000 },
    });
  });

  it("lists every problem at once", () => {
    expect(() => loadConfig({ PORT: "http", BCRYPT_COST: "99", TLS_CERT_FILE: "cert.pem" })).toThrow(/PORT[\s\S]*BCRYPT_COST/);
    expect(() => loadConfig({ TLS_CERT_FILE: "cert.pem" })).toThrow("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  });

  it("requires strong secrets, and explicit ones in production", () => {
    expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow("JWT_SECRET must be at least 32 bytes");
    expect(() => loadConfig({ NODE_ENV: "production", BCRYPT_COST: "8" })).toThrow(/JWT_SECRET is required[\s\S]*BCRYPT_COST must be at least 10/);
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

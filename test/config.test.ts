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
      password: { bcryptCost: 12, minLength: 8 },
      jwt: { accessTokenTtlSeconds: 900 },
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
    expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow("JWT_SECRET must be at least 32 bytes");
    expect(() => loadConfig({ NODE_ENV: "production", BCRYPT_COST: "8" })).toThrow(/JWT_SECRET is required[\s\S]*BCRYPT_COST must be at least 10/);
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

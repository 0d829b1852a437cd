import bcrypt from "bcrypt";
import { afterAll, describe, expect, it } from "vitest";
import { PasswordHasher, PasswordScheme } from "../../src/security/password-hasher.js";

const work = { threads: 1, maxQueue: 100, nice: 0 };
const hasher = new PasswordHasher({ pepper: "p".repeat(32), cost: 4, work });
afterAll(() => hasher.close());

describe("PasswordHasher", () => {
  it("does not let two passwords that share their first 72 bytes match (bcrypt alone would)", async () => {
    const stored = await hasher.hash(`${"a".repeat(72)}1`);
    expect(await bcrypt.compare(`${"a".repeat(72)}2`, await bcrypt.hash(`${"a".repeat(72)}1`, 4))).toBe(true);
    expect(await hasher.verify(`${"a".repeat(72)}2`, stored)).toBe(false);
    expect(await hasher.verify(`${"a".repeat(72)}1`, stored)).toBe(true);
  });

  it("verifies canonically equal Unicode (NFKC) but nothing looser", async () => {
    const stored = await hasher.hash("Caf\u00e9 au lait, s'il vous plait");
    expect(await hasher.verify("Cafe\u0301 au lait, s'il vous plait", stored)).toBe(true);
    expect(await hasher.verify("cafe\u0301 au lait, s'il vous plait", stored)).toBe(false);
    expect(await hasher.verify("Caf\u00e9 au lait, s'il vous plait ", stored)).toBe(false);
  });

  it("salts every hash and records the scheme and cost", async () => {
    const [a, b] = [await hasher.hash("same password"), await hasher.hash("same password")];
    expect(a.hash).not.toBe(b.hash);
    expect(a.hash.startsWith("$2b$04$")).toBe(true);
    expect(a.scheme).toBe(PasswordScheme.PepperedBcrypt);
  });

  it("depends on the pepper: the same hash fails under another pepper", async () => {
    const stored = await hasher.hash("peppered password");
    const other = new PasswordHasher({ pepper: "q".repeat(32), cost: 4, work });
    expect(await other.verify("peppered password", stored)).toBe(false);
    await other.close();
  });

  it("verifies plain bcrypt hashes from the original service and asks for an upgrade", async () => {
    const legacy = { hash: await bcrypt.hash("legacy password", 4), scheme: PasswordScheme.LegacyBcrypt };
    expect(await hasher.verify("legacy password", legacy)).toBe(true);
    expect(await hasher.verify("legacy passwore", legacy)).toBe(false);
    expect(hasher.needsRehash(legacy)).toBe(true);
  });

  it("refuses legacy passwords over 72 bytes instead of comparing a truncated prefix", async () => {
    const legacy = { hash: await bcrypt.hash("a".repeat(72), 4), scheme: PasswordScheme.LegacyBcrypt };
    expect(await hasher.verify(`${"a".repeat(72)}anything`, legacy)).toBe(false);
  });

  it("asks for a rehash when the stored cost is below the configured one, not otherwise", async () => {
    const strong = new PasswordHasher({ pepper: "p".repeat(32), cost: 5, work });
    const weak = await hasher.hash("some password");
    expect(strong.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash(weak)).toBe(false);
    await strong.close();
  });

  it("rejects unknown schemes", async () => {
    const stored = await hasher.hash("x");
    expect(await hasher.verify("x", { ...stored, scheme: "md5" })).toBe(false);
  });

  it("spends a real comparison on unknown accounts and never matches", async () => {
    expect(await hasher.verifyDummy("dummy password that matches nothing")).toBe(false);
  });
});

// Hashes imported from the original service (plain bcrypt) and hashes made at
// a lower cost are replaced on the next successful login.
import bcrypt from "bcrypt";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { PasswordHasher } from "../../src/security/password-hasher.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { failure, restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ BCRYPT_COST: "5" });
});
afterAll(() => t?.close());

const stored = async (id: string) =>
  (await t.sql<{ password_hash: string; password_scheme: string }>(
    "select password_hash, password_scheme from users where id = $1",
    [id],
  ))[0]!;

it("verifies a plain bcrypt hash from the original service and upgrades it on login", async () => {
  const account = newAccount("legacy");
  const id = randomUUID();
  await t.sql(
    `insert into users (id, "user", email, password_hash, password_scheme, created_at, updated_at)
     values ($1, $2, $3, $4, 'bcrypt', now(), now())`,
    [id, account.user, account.email, await bcrypt.hash(account.password, 4)],
  );
  const rest = restDoor(t.baseUrl);
  expect((await failure(rest.login({ email: account.email, password: "not the password" }))).code).toBe(Code.Unauthenticated);
  expect((await stored(id)).password_scheme).toBe("bcrypt");

  await rest.login(account);
  const upgraded = await stored(id);
  expect(upgraded.password_scheme).toBe("hmac-sha384-bcrypt");
  expect(upgraded.password_hash.startsWith("$2b$05$")).toBe(true);
  await rest.login(account);
});

it("raises the cost of a hash made at a lower cost", async () => {
  const account = newAccount("cheap");
  const rest = restDoor(t.baseUrl);
  const { id } = await rest.register(account);
  const cheaper = new PasswordHasher({ pepper: t.config.password.pepper!, cost: 4, work: t.config.password.work });
  const hash = await cheaper.hash(account.password);
  await cheaper.close();
  await t.sql("update users set password_hash = $1 where id = $2", [hash.hash, id]);
  await rest.login(account);
  expect((await stored(id)).password_hash.startsWith("$2b$05$")).toBe(true);
});

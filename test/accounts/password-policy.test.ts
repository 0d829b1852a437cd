// NIST SP 800-63B-4 password rules, through the API on every door: length
// in code points (default minimum 15), no composition rules, no common or
// guessable passwords, nothing built from the account's own email or name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { PasswordHasher } from "../../src/security/password-hasher.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

const GUESSABLE =
  "password is too easy to guess: it is a common password or made of common passwords, " +
  "repetitions, sequences or keyboard patterns; use a passphrase of several unrelated words";
const CONTAINS_NAME = "password must not contain your email address or user name";
const rowsFor = async (email: string) => (await t.sql("select id from users where email = $1", [email])).length;

describe.each(doors("http://placeholder").map((d) => d.name))("over %s", (name) => {
  let door: Door;
  beforeAll(() => {
    door = doors(t.baseUrl).find((d) => d.name === name)!;
  });

  it.each([
    ["14 characters", "abcdefgh-ijklm", "password must be at least 15 characters"],
    ["a common password", "1qaz2wsx3edc4rfv", GUESSABLE],
    ["common passwords glued together", "password123456789", GUESSABLE],
    ["a keyboard walk", "qwertyuiopasdfgh", GUESSABLE],
    ["a repetition", "abcabcabcabcabcabc", GUESSABLE],
  ])("refuses %s at registration with a field violation, writing nothing", async (_, password, description) => {
    const account = { ...newAccount(), password };
    const err = await failure(door.register(account));
    expect(err).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_FIELDS", violations: [{ field: "password", description }] });
    expect(err.message).toBe(`invalid request: ${description}`);
    expect(await rowsFor(account.email)).toBe(0);
  });

  it.each([
    ["15 ASCII characters", "tulip-quartz-77"],
    ["15 code points of Cyrillic (28 bytes)", "пароль-для-меня"],
    ["a passphrase with spaces", "correct horse battery staple"],
  ])("accepts %s", async (_, password) => {
    const account = { ...newAccount(), password };
    await door.register(account);
    await door.login(account);
  });

  it("refuses a password containing the email address or user name, whatever the case", async () => {
    const account = newAccount();
    for (const password of [`${account.email} is mine`, `My${account.user.toUpperCase()}rocks!!`, `${account.email.split("@")[0]}-and-more`]) {
      const err = await failure(door.register({ ...account, password }));
      expect(err).toMatchObject({ code: Code.InvalidArgument, violations: [{ field: "password", description: CONTAINS_NAME }] });
    }
    expect(await rowsFor(account.email)).toBe(0);
  });

  it("on a profile change, judges the new password against the stored account and against new names", async () => {
    const account = newAccount();
    const { id } = await door.register(account);
    const { accessToken } = await door.login(account);
    const stored = await failure(door.updateProfile({ id, password: `${account.user} forever and ever` }, accessToken));
    expect(stored).toMatchObject({ code: Code.InvalidArgument, violations: [{ field: "password", description: CONTAINS_NAME }] });
    const renamed = await failure(door.updateProfile({ id, user: "zanzibar-k", password: "zanzibar-k trips to mars" }, accessToken));
    expect(renamed.violations).toEqual([{ field: "password", description: CONTAINS_NAME }]);
    const tooShort = await failure(door.updateProfile({ id, password: "short one" }, accessToken));
    expect(tooShort.violations).toEqual([{ field: "password", description: "password must be at least 15 characters" }]);
    // Nothing changed: the old password still works.
    await door.login(account);
  });
});

it("lets an account whose password predates the policy sign in, and holds it to the policy at its next change", async () => {
  const door = doors(t.baseUrl).at(-1)!;
  const account = { ...newAccount(), password: "old12345" };
  const { id } = await door.register({ ...account, password: "a temporary passphrase" });
  const hasher = new PasswordHasher({ pepper: t.config.password.pepper!, cost: 4, work: t.config.password.work });
  const old = await hasher.hash(account.password);
  await t.sql("update users set password_hash = $1, password_scheme = $2 where id = $3", [old.hash, old.scheme, id]);

  const { accessToken } = await door.login(account);
  const err = await failure(door.updateProfile({ id, password: "new1234567" }, accessToken));
  expect(err.violations).toEqual([{ field: "password", description: "password must be at least 15 characters" }]);
  await door.updateProfile({ id, password: "a far longer passphrase" }, accessToken);
});

it("can be set to a lower minimum length", async () => {
  const lenient = await startTestServer({ PASSWORD_MIN_LENGTH: "10" });
  try {
    const door = doors(lenient.baseUrl).at(-1)!;
    await door.register({ ...newAccount(), password: "tulip-qx7z" });
    expect((await failure(door.register({ ...newAccount(), password: "tulip-q7z" }))).violations).toEqual([
      { field: "password", description: "password must be at least 10 characters" },
    ]);
  } finally {
    await lenient.close();
  }
});

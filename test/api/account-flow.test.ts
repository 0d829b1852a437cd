// The whole account flow and every error path, over every door.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import jwt from "jsonwebtoken";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

const userCount = async () => Number((await t.sql<{ n: string }>("select count(*) as n from users"))[0]!.n);

describe.each(doors("http://placeholder").map((d) => d.name))("over %s", (name) => {
  let door: Door;
  beforeAll(() => {
    door = doors(t.baseUrl).find((d) => d.name === name)!;
  });

  it("registers, signs in, reads and updates the profile", async () => {
    const account = newAccount();
    const registered = await door.register(account);
    expect(registered.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(registered.message).toBe("account created");

    const session = await door.login({ email: account.email.toUpperCase(), password: account.password });
    expect(session.tokenType).toBe("bearer");
    expect(session.expiresIn).toBe(900);
    const claims = jwt.decode(session.accessToken, { complete: true })!;
    expect(claims.header).toEqual({ alg: "ES256", typ: "at+jwt", kid: t.server.signingKeys.signer.kid });
    expect(claims.payload).toMatchObject({ sub: registered.id, sid: expect.any(String), iss: "auth-service", aud: "auth-service" });
    expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.refreshExpiresIn).toBe(30 * 86_400);

    const profile = await door.getProfile(registered.id, session.accessToken);
    expect(profile).toMatchObject({ id: registered.id, user: account.user, email: account.email });
    expect(profile.updatedAt.getTime()).toBe(profile.createdAt.getTime());

    const renamed = `${account.user}-renamed`;
    const updated = await door.updateProfile({ id: registered.id, user: renamed }, session.accessToken);
    expect(updated).toMatchObject({ id: registered.id, user: renamed, email: account.email });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(profile.updatedAt.getTime());
  });

  it("stores the email normalised and answers already_exists for a case variant, writing nothing", async () => {
    const account = newAccount();
    await door.register({ ...account, email: `  ${account.email.toUpperCase()} ` });
    const [row] = await t.sql<{ email: string }>("select email from users where email = $1", [account.email]);
    expect(row?.email).toBe(account.email);
    const before = await userCount();

    const err = await failure(door.register({ ...newAccount(), email: account.email.toUpperCase() }));
    expect(err).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_EMAIL_TAKEN" });
    expect(err.message).toBe("an account with this email address already exists");
    expect(await userCount()).toBe(before);
  });

  it("answers already_exists for a taken user name, compared case-insensitively", async () => {
    const account = newAccount();
    await door.register(account);
    const err = await failure(door.register({ ...newAccount(), user: account.user.toUpperCase() }));
    expect(err).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_USER_TAKEN" });
  });

  it("reports every invalid field at once and writes nothing", async () => {
    const before = await userCount();
    const err = await failure(door.register({ user: " ", email: "not-an-email", password: "short" }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.reason).toBe("ERROR_REASON_INVALID_FIELDS");
    expect(err.violations).toEqual([
      { field: "user", description: "user is required" },
      { field: "email", description: "email must be a valid email address, like name@example.com" },
      { field: "password", description: "password must be at least 15 characters" },
    ]);
    expect(err.message).toContain("password must be at least 15 characters");
    expect(await userCount()).toBe(before);
  });

  it.each([
    ["a user name with a control character", { user: "bad\u0000name" }, "user", "user must not contain control characters"],
    ["a user name over 64 characters", { user: "x".repeat(65) }, "user", "user must be at most 64 characters"],
    ["an email over 254 characters", { email: `${"a".repeat(64)}@${"b".repeat(190)}.com` }, "email", "email must be at most 254 characters"],
    ["an email with CR/LF", { email: "a@example.com\r\nBcc: x@evil.example" }, "email", "email must be a valid email address, like name@example.com"],
    ["a password over 128 characters", { password: "p".repeat(129) }, "password", "password must be at most 128 characters"],
    ["a password over 1024 bytes", { password: "🔑".repeat(257) }, "password", "password must be at most 1024 bytes"],
  ])("rejects %s with a field violation", async (_, change, field, description) => {
    const err = await failure(door.register({ ...newAccount(), ...change }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.violations).toEqual([{ field, description }]);
  });

  it("accepts 64 emoji as a password, and spaces", async () => {
    // 64 different emoji in no particular order (64 equal ones would be a guessable repetition).
    const emoji = Array.from({ length: 64 }, (_, i) => String.fromCodePoint(0x1f600 + ((i * 37) % 80)));
    const account = { ...newAccount(), password: emoji.join("") };
    await door.register(account);
    await expect(door.login({ email: account.email, password: account.password })).resolves.toBeDefined();
    const spaced = { ...newAccount(), password: "correct horse battery staple" };
    await door.register(spaced);
    await expect(door.login(spaced)).resolves.toBeDefined();
  });

  it("gives an unknown email and a wrong password the same answer", async () => {
    const account = newAccount();
    await door.register(account);
    const wrongPassword = await failure(door.login({ email: account.email, password: `${account.password}!` }));
    const unknownEmail = await failure(door.login({ email: `nobody.${account.email}`, password: account.password }));
    expect(wrongPassword).toEqual(unknownEmail);
    expect(wrongPassword).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_INVALID_CREDENTIALS",
      message: "invalid email or password",
    });
  });

  it("verifies the password exactly: no trimming, no case change", async () => {
    const account = newAccount();
    await door.register(account);
    for (const password of [`${account.password} `, account.password.toUpperCase()]) {
      expect((await failure(door.login({ email: account.email, password }))).code).toBe(Code.Unauthenticated);
    }
  });

  it("requires an access token for profiles", async () => {
    const { id } = await door.register(newAccount());
    expect(await failure(door.getProfile(id))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_ACCESS_TOKEN_MISSING",
    });
    expect(await failure(door.getProfile(id, "not.a.jwt"))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_ACCESS_TOKEN_INVALID",
      message: "invalid access token",
    });
  });

  it("refuses someone else's profile without revealing whether it exists", async () => {
    const me = newAccount();
    await door.register(me);
    const { id: otherId } = await door.register(newAccount());
    const { accessToken } = await door.login(me);
    const other = await failure(door.getProfile(otherId, accessToken));
    const missing = await failure(door.getProfile("00000000-0000-4000-8000-000000000000", accessToken));
    expect(other).toEqual(missing);
    expect(other).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_OWNER" });
    const update = await failure(door.updateProfile({ id: otherId, user: "hijacked" }, accessToken));
    expect(update.code).toBe(Code.PermissionDenied);
    const [row] = await t.sql<{ user: string }>("select \"user\" from users where id = $1", [otherId]);
    expect(row?.user).not.toBe("hijacked");
  });

  it("stops the access tokens of an account that is gone: its sessions went with it", async () => {
    const account = newAccount();
    const { id } = await door.register(account);
    const { accessToken } = await door.login(account);
    await t.sql("delete from users where id = $1", [id]);
    expect(await t.sql("select id from sessions where user_id = $1", [id])).toEqual([]);
    expect(await failure(door.getProfile(id, accessToken))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "ERROR_REASON_SESSION_REVOKED",
      message: "session ended: sign in again",
    });
  });

  it("rejects a malformed profile id with a field violation", async () => {
    const account = newAccount();
    await door.register(account);
    const { accessToken } = await door.login(account);
    const err = await failure(door.getProfile("not-a-uuid", accessToken));
    expect(err).toMatchObject({ code: Code.InvalidArgument, violations: [{ field: "id", description: "id must be a UUID" }] });
  });

  it("changes only the fields present, re-hashes a new password, and checks a new email", async () => {
    const account = newAccount();
    const { id } = await door.register(account);
    const { accessToken } = await door.login(account);
    const [before] = await t.sql<{ password_hash: string }>("select password_hash from users where id = $1", [id]);

    const newPassword = "a brand new passphrase";
    const updated = await door.updateProfile({ id, password: newPassword }, accessToken);
    expect(updated).toMatchObject({ user: account.user, email: account.email });
    const [after] = await t.sql<{ password_hash: string }>("select password_hash from users where id = $1", [id]);
    expect(after!.password_hash).not.toBe(before!.password_hash);
    expect((await failure(door.login(account))).code).toBe(Code.Unauthenticated);
    await door.login({ email: account.email, password: newPassword });

    const taken = newAccount();
    await door.register(taken);
    const err = await failure(door.updateProfile({ id, email: taken.email.toUpperCase() }, accessToken));
    expect(err).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_EMAIL_TAKEN" });
    const bad = await failure(door.updateProfile({ id, email: "nope", user: "" }, accessToken));
    expect(bad.violations.map((v) => v.field)).toEqual(["user", "email"]);

    const moved = await door.updateProfile({ id, email: ` NEW.${account.email.toUpperCase()}` }, accessToken);
    expect(moved.email).toBe(`new.${account.email}`);
  });
});

// Per-address and per-RPC limits, counted in PostgreSQL (the default store),
// on every door; and where the client address comes from.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { doors, failure, restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { randomAddress, sleep, startInstances, type Instances } from "./instances.js";

const rateLimited = { code: Code.ResourceExhausted, reason: "ERROR_REASON_RATE_LIMITED" };

describe("behind a trusted proxy", () => {
  let t: Instances;
  beforeAll(async () => {
    t = await startInstances(1, {
      TRUSTED_PROXIES: "127.0.0.1",
      RATE_LIMIT_REGISTER_PER_ADDRESS: "2/3s",
      RATE_LIMIT_LOGIN_PER_ADDRESS: "4/1h",
      RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "3/1h",
    });
  });
  afterAll(() => t?.close());

  it("on every door, Register is limited per address with RetryInfo (REST: 429 + Retry-After), writes nothing, and recovers after the window", async () => {
    // Each door is its own client address, so the doors run side by side.
    const results = await Promise.all(
      doors(t.urls[0]!).map(async (d) => {
        const door = doors(t.urls[0]!, { "x-forwarded-for": randomAddress() }).find((x) => x.name === d.name)!;
        await door.register(newAccount());
        await door.register(newAccount());
        const account = newAccount();
        const refused = await failure(door.register(account));
        const written = (await t.sql("select id from users where email = $1", [account.email])).length;
        await sleep(refused.retryAfterMs ?? 0);
        const again = await door.register(newAccount());
        return { door: d.name, refused, written, again };
      }),
    );
    for (const { door, refused, written, again } of results) {
      expect(refused, door).toMatchObject({ ...rateLimited, message: expect.stringMatching(/^too many requests: retry in [1-3] seconds?$/) });
      expect(refused.retryAfterMs, door).toBeGreaterThan(0);
      expect(refused.retryAfterMs, door).toBeLessThanOrEqual(3_000);
      if (door === "rest") expect(refused.status).toBe(429);
      expect(written, door).toBe(0);
      expect(again.message, door).toBe("account created");
    }
  });

  it("trusts X-Forwarded-For from the proxy: each forwarded client has its own count", async () => {
    const alice = restDoor(t.urls[0]!, { "x-forwarded-for": `${randomAddress()}, 127.0.0.1` });
    const bob = restDoor(t.urls[0]!, { "x-forwarded-for": randomAddress() });
    await alice.register(newAccount());
    await alice.register(newAccount());
    expect(await failure(alice.register(newAccount()))).toMatchObject(rateLimited);
    await bob.register(newAccount());
  });

  it("limits Login per address and email, with the same answer for an unknown email", async () => {
    const door = restDoor(t.urls[0]!, { "x-forwarded-for": randomAddress() });
    const account = newAccount();
    await door.register(account);
    for (let i = 0; i < 3; i++) await door.login(account);
    const known = await failure(door.login(account));
    expect(known).toMatchObject({ ...rateLimited, status: 429 });

    const other = restDoor(t.urls[0]!, { "x-forwarded-for": randomAddress() });
    const unknown = { email: `nobody.${account.email}`, password: account.password };
    for (let i = 0; i < 3; i++) expect((await failure(other.login(unknown))).code).toBe(Code.Unauthenticated);
    const refused = await failure(other.login(unknown));
    expect(refused).toMatchObject({ ...rateLimited, status: 429 });
    expect(refused.message.replace(/\d+/g, "N")).toBe(known.message.replace(/\d+/g, "N"));
  });

  it("limits Login per address across many emails (password spraying), and logs the event", async () => {
    const client = randomAddress();
    const door = restDoor(t.urls[0]!, { "x-forwarded-for": client });
    for (let i = 0; i < 4; i++) {
      expect((await failure(door.login({ email: newAccount().email, password: "a guess at somebody's password" }))).code).toBe(
        Code.Unauthenticated,
      );
    }
    expect(await failure(door.login({ email: newAccount().email, password: "one more guess at a password" }))).toMatchObject(
      rateLimited,
    );
    expect(t.logs("excess_rate_limit_exceeded").filter((r) => r.client === client)).toEqual([
      expect.objectContaining({ limit: "login_address", rpc: "auth.v1.AuthService/Login", subject: { address: client } }),
    ]);
  });
});

describe("without a trusted proxy", () => {
  let t: Instances;
  beforeAll(async () => {
    t = await startInstances(1, { RATE_LIMIT_REGISTER_PER_ADDRESS: "3/1h" });
  });
  afterAll(() => t?.close());

  it("ignores X-Forwarded-For: a fresh spoofed address on every call is still refused", async () => {
    const spoofing = () => restDoor(t.urls[0]!, { "x-forwarded-for": randomAddress() });
    for (let i = 0; i < 3; i++) await spoofing().register(newAccount());
    expect(await failure(spoofing().register(newAccount()))).toMatchObject({ ...rateLimited, status: 429 });
    expect(t.logs("excess_rate_limit_exceeded").at(-1)).toMatchObject({ limit: "register_address", client: "127.0.0.1" });
  });

});

describe("the per-address ceiling", () => {
  let t: Instances;
  beforeAll(async () => {
    t = await startInstances(1, { RATE_LIMIT_PER_ADDRESS: "4/1h" });
  });
  afterAll(() => t?.close());

  it("counts every RPC, before authentication", async () => {
    const door = doors(t.urls[0]!)[0]!;
    const id = "00000000-0000-4000-8000-000000000000";
    for (let i = 0; i < 4; i++) expect((await failure(door.getProfile(id))).code).toBe(Code.Unauthenticated);
    expect(await failure(door.getProfile(id))).toMatchObject(rateLimited);
    expect(await failure(door.register(newAccount()))).toMatchObject(rateLimited);
    expect(t.logs("excess_rate_limit_exceeded")[0]).toMatchObject({ limit: "any_address", rpc: "auth.v1.ProfileService/GetProfile" });
  });
});

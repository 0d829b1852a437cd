// Two instances behind one load balancer enforce one limit (RL-02): the
// counts live in the shared store, PostgreSQL by default or Redis.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { failure, restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { randomAddress, startInstances, type Instances } from "./instances.js";
import { MACHINE_REDIS, skipMachineRedis } from "./redis.js";

describe.each([
  ["PostgreSQL (the default)", {}],
  // A key prefix of its own, so parallel runs sharing the machine's Redis never count together.
  ["Redis", { REDIS_URL: MACHINE_REDIS, RATE_LIMIT_KEY_PREFIX: `test-${randomBytes(6).toString("hex")}` }],
])("two instances sharing %s", (name, store: Record<string, string>) => {
  if (name === "Redis" && skipMachineRedis) {
    // Only on a developer machine without Redis: under CI (CI set) a missing
    // Redis fails the run instead (see redis.ts), so CI always runs this.
    it.skip("needs a Redis at 127.0.0.1:6379");
    return;
  }
  let t: Instances;
  beforeAll(async () => {
    t = await startInstances(2, {
      ...store,
      TRUSTED_PROXIES: "127.0.0.1",
      RATE_LIMIT_REGISTER_PER_ADDRESS: "3/1h",
      RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "100000/1h",
    });
  });
  afterAll(() => t?.close());

  it("count Register calls from one address together, whichever instance answers; another address is unaffected", async () => {
    const client = { "x-forwarded-for": randomAddress() };
    const [a, b] = t.urls.map((url) => restDoor(url, client)) as [ReturnType<typeof restDoor>, ReturnType<typeof restDoor>];
    await a.register(newAccount());
    await b.register(newAccount());
    await a.register(newAccount());
    expect(await failure(b.register(newAccount()))).toMatchObject({ code: Code.ResourceExhausted, status: 429 });
    expect(await failure(a.register(newAccount()))).toMatchObject({ code: Code.ResourceExhausted, status: 429 });
    await restDoor(t.urls[1]!, { "x-forwarded-for": randomAddress() }).register(newAccount());
  });

  it("share one account's failure backoff", async () => {
    const account = newAccount();
    const [a, b] = t.urls.map((url) => restDoor(url)) as [ReturnType<typeof restDoor>, ReturnType<typeof restDoor>];
    await a.register(account);
    for (let i = 0; i < 5; i++) {
      const door = i % 2 === 0 ? a : b;
      expect((await failure(door.login({ email: account.email, password: "a wrong password, again" }))).code).toBe(
        Code.Unauthenticated,
      );
    }
    expect((await failure(a.login(account))).code).toBe(Code.ResourceExhausted);
    expect((await failure(b.login(account))).code).toBe(Code.ResourceExhausted);
  });
});

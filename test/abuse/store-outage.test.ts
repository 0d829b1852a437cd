// When the limiter's store goes away mid-flight, the service keeps answering
// and keeps limiting, per instance, with a logged warning (RL-07); when the
// store is back, the instances count together again.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { failure, restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { createTestDatabase } from "../support/test-server.js";
import { randomAddress, sleep, startInstances, type Instances } from "./instances.js";
import { canConnect, skipRedisServer } from "./redis.js";

const limits = {
  TRUSTED_PROXIES: "127.0.0.1",
  RATE_LIMIT_REGISTER_PER_ADDRESS: "2/1h",
};

/** Two Register calls per address are allowed: through a then b, the third is refused (shared) or allowed (per instance). */
async function sharedCount(t: Instances): Promise<"shared" | "per instance"> {
  const client = { "x-forwarded-for": randomAddress() };
  const [a, b] = t.urls.map((url) => restDoor(url, client)) as [ReturnType<typeof restDoor>, ReturnType<typeof restDoor>];
  await a.register(newAccount());
  await a.register(newAccount());
  const third = await b.register(newAccount()).then(
    () => "allowed",
    async (error) => (await failure(Promise.reject(error))).code,
  );
  if (third === "allowed") {
    // Still limited within each instance.
    expect((await failure(a.register(newAccount()))).code).toBe(Code.ResourceExhausted);
    return "per instance";
  }
  expect(third).toBe(Code.ResourceExhausted);
  return "shared";
}

/** Polls `condition`; while the store is coming back, a check may fail half-way, which counts as "not yet". */
async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(200);
  }
}

describe.skipIf(skipRedisServer)("a Redis store that stops and comes back", () => {
  let redis: ChildProcess | undefined;
  let port: number;
  let t: Instances;
  const startRedis = async () => {
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    await until(() => canConnect(port));
  };
  const stopRedis = async () => {
    const exited = new Promise((resolve) => redis!.once("exit", resolve));
    redis!.kill("SIGKILL");
    await exited;
    redis = undefined;
  };

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    t = await startInstances(2, { ...limits, REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await t?.close();
    redis?.kill("SIGKILL");
  });

  it("limits per instance with one warning while Redis is down, and shares counts again once it is back", async () => {
    expect(await sharedCount(t)).toBe("shared");
    expect(t.logs("rate_limit_store_unavailable")).toEqual([]);

    await stopRedis();
    expect(await sharedCount(t)).toBe("per instance");
    expect(await sharedCount(t)).toBe("per instance");
    // Once per instance and interval, not once per request.
    const warnings = t.logs("rate_limit_store_unavailable");
    expect(warnings.map((w) => w.instance).sort()).toEqual([0, 1]);
    expect(warnings[0]).toMatchObject({ store: "redis", level: 40 });

    await startRedis();
    // ioredis reconnects by itself, backing off up to 2 s between tries.
    await until(async () => (await sharedCount(t)) === "shared");
  }, 60_000);
});

describe("a separate PostgreSQL store that becomes unreachable", () => {
  let t: Instances;
  let scratch: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: pg.Client;
  const name = () => new URL(scratch.url).pathname.slice(1);

  beforeAll(async () => {
    scratch = await createTestDatabase();
    admin = new pg.Client({ connectionString: scratch.url.replace(/\/[^/]*$/, "/postgres") });
    await admin.connect();
    t = await startInstances(2, { ...limits, RATE_LIMIT_DATABASE_URL: scratch.url });
  });
  afterAll(async () => {
    await t?.close();
    await admin?.query(`alter database ${name()} allow_connections true`);
    await admin?.end();
    await scratch?.drop();
  });

  it("keeps answering and limiting per instance while the rate-limit database refuses connections, then shares again", async () => {
    expect(await sharedCount(t)).toBe("shared");
    const counted = new pg.Client({ connectionString: scratch.url });
    await counted.connect();
    expect((await counted.query("select count(*)::int n from rate_limits")).rows[0].n).toBeGreaterThan(0);
    await counted.end();

    await admin.query(`alter database ${name()} allow_connections false`);
    await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [name()]);
    expect(await sharedCount(t)).toBe("per instance");
    expect(t.logs("rate_limit_store_unavailable")[0]).toMatchObject({ store: "postgres" });

    await admin.query(`alter database ${name()} allow_connections true`);
    await until(async () => (await sharedCount(t)) === "shared");
  }, 60_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

// `npm run bench`: the service against a raw baseline and the machine's
// bcrypt capacity, on loopback, bounded in time. See the README's
// Performance section for what each scenario means.
//
//   npm run bench -- [--duration 8] [--out results.json] [--large-users 1000000] [--cost 12]
//                    [--only reads,passwords,flood,scale,startup]
//
// Environment: BENCH_DURATION (seconds per scenario), BENCH_DATABASE_URL (a
// PostgreSQL where we may CREATE DATABASE; default the machine's at
// 127.0.0.1:5432), BENCH_LOG_LEVEL (the service's LOG_LEVEL, default warn),
// BENCH_SERVICE_ENV (extra service settings), BENCH_NODE_ARGS (extra Node flags
// for the service, e.g. "--cpu-prof --cpu-prof-dir=prof").
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import jwt from "jsonwebtoken";
import { GetProfileRequestSchema, ProfileService } from "../gen/auth/v1/profile_service_pb.js";
import { PasswordHasher } from "../src/security/password-hasher.js";
import { BENCH_PASSWORD, benchEmail, createScratchDatabase } from "./database.js";
import { startMailSink } from "./mail-sink.js";
import { runAutocannon, runH2load, type HttpRequest, type LoadResult } from "./load.js";
import { cpuSeconds, freePort, sampleMemory, startNode, waitIdle } from "./processes.js";
import { formatChecks, formatTable, type Check, type Row } from "./report.js";
import { benchSecrets, serviceEnv } from "./server-env.js";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string" },
    out: { type: "string" },
    users: { type: "string", default: "10000" },
    "large-users": { type: "string", default: "1000000" },
    cost: { type: "string", default: "12" },
    only: { type: "string" },
  },
});
/** --only reads,passwords,flood,scale,startup: a subset of the scenario groups (default: all). */
const groups = new Set((flags.only ?? "reads,passwords,flood,scale,startup").split(","));
const seconds = Number(flags.duration ?? process.env.BENCH_DURATION ?? 8);
const users = Number(flags.users);
const largeUsers = Number(flags["large-users"]);
const cost = Number(flags.cost);
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const cores = availableParallelism();
/** Load average over the minute before the run: anything else on the machine skews every figure. */
const startLoad = loadavg()[0]!;
/** BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof": extra Node flags for the service (NODE_OPTIONS refuses the profiler's). */
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
/** Distinct accounts the read and update scenarios spread over. */
const ACCOUNTS = 32;
/** Rounds of the scenarios measured in alternation (reads). */
const ROUNDS = 3;
const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0)}s] ${message}\n`);

const rows: Row[] = [];
const began = performance.now();
const db = await createScratchDatabase(adminUrl);
const stoppers: Array<() => Promise<void>> = [async () => db.drop()];
let failed = true;
try {
  await main();
  failed = false;
} finally {
  for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => log(`cleanup: ${String(error)}`));
}

async function main() {
  log(`${cores} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}, ${seconds} s per scenario, bcrypt cost ${cost}`);
  const port = await freePort();
  const mail = await startMailSink();
  stoppers.push(mail.close);
  const env = serviceEnv({ databaseUrl: db.url, port, bcryptCost: cost, smtpUrl: mail.url });
  // What `npm start` runs (`node <flags> dist/server/src/main.js`), after what its prestart builds.
  const built = spawnSync(process.execPath, ["scripts/build-server.mjs"], { stdio: "inherit" });
  if (built.status !== 0) throw new Error("scripts/build-server.mjs failed");
  const startArgs = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } }).scripts.start.split(" ").slice(1);
  const service = await startNode([...nodeArgs, ...startArgs], env, { ready: { port } });
  stoppers.push(async () => {
    if (failed) process.stderr.write(`service output (tail):\n${service.output().slice(-4000)}\n`);
    await service.stop();
  });
  const memory = sampleMemory(service.pid);
  const base = `http://127.0.0.1:${port}`;

  const hasher = new PasswordHasher({ pepper: benchSecrets.passwordPepper, cost, work: { threads: 1, maxQueue: 1, nice: 0 } });
  const stored = await hasher.hash(BENCH_PASSWORD);
  await hasher.close();
  const seeded = performance.now();
  await db.seed(1, users, stored);
  log(`seeded ${users} users in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  const ids = await db.userIds(ACCOUNTS);
  /** Logins for accounts spread evenly over the first `n` rows. */
  const spreadLogins = (n: number) =>
    Array.from({ length: ACCOUNTS }, (_, i): HttpRequest => ({
      method: "POST",
      path: "/login",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: benchEmail(Math.floor(((i + 0.5) * n) / ACCOUNTS) + 1), password: BENCH_PASSWORD }),
    }));
  const tokens = await loginAll(base, ACCOUNTS);
  const bearer = (i: number) => ({ authorization: `Bearer ${tokens[i]}` });

  const measure = async (name: string, concurrency: number, pid: number, run: () => Promise<LoadResult>, round = false) => {
    await waitIdle(pid, { pollMs: round ? 100 : 250 });
    const cpuBefore = cpuSeconds(pid);
    const from = memory.elapsed();
    const result = await run();
    const cpu = cpuSeconds(pid) - cpuBefore;
    const during = memory.samples.filter((m) => m.atS >= from).map((m) => m.rssMiB);
    const row: Row = { name, concurrency, ...result, cpuMsPerRequest: (cpu * 1000) / Math.max(1, result.requests) };
    if (pid === service.pid && during.length > 0) row.rssMiB = mean(during);
    if (!round) rows.push(row);
    log(`${name} c${concurrency}: ${row.rps.toFixed(1)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, statuses ${JSON.stringify(row.statuses)}`);
    return row;
  };
  /** Each round's rows of the scenarios measured in alternation, by key. */
  const rounds: Record<string, Row[]> = {};
  /**
   * Measures the scenarios in alternation, ROUNDS times over, each for a
   * third of the scenario time, in a rotated order. This host's speed drifts
   * by up to 2x within minutes (other tenants), so scenarios measured one
   * after another would compare two different machines; alternating puts
   * both sides of a ratio in every round, and the ratio is the median over
   * the rounds. The table shows one row per scenario: the rounds together.
   */
  const alternate = async (
    scenarios: Record<string, Scenario>,
    options: { rounds?: number; roundSeconds?: number; warmSeconds?: number; passwords?: boolean } = {},
  ) => {
    const { rounds: roundCount = ROUNDS, roundSeconds = Math.max(2, Math.round(seconds / 4)), warmSeconds = 1, passwords = false } = options;
    const keys = Object.keys(scenarios);
    const pids = [...new Set(keys.map((key) => scenarios[key]!.pid ?? service.pid))];
    // A round that is not counted: V8 keeps optimising the service's paths
    // for tens of seconds, and each scenario's first round would pay for it.
    for (const key of warmSeconds > 0 ? keys : []) {
      const warm = await scenarios[key]!.run(warmSeconds);
      if (warm.errors > 0) throw new Error(`warm-up of ${scenarios[key]!.name} got errors: ${JSON.stringify(warm.statuses)}`);
    }
    let previousPid: number | undefined;
    for (let round = 0; round < roundCount; round++) {
      for (const key of [...keys.slice(round % keys.length), ...keys.slice(0, round % keys.length)]) {
        const s = scenarios[key]!;
        const pid = s.pid ?? service.pid;
        // What the process measured last still does after its load stops (a
        // garbage collection; password hashes it had queued) must not be
        // counted against the next one: seen as the second of each pair
        // running up to 20% slower.
        if (passwords) for (const other of pids) await waitIdle(other);
        else if (previousPid !== undefined && previousPid !== pid) await waitIdle(previousPid, { pollMs: 100 });
        const row = await measure(`${s.name} (round ${round + 1})`, s.concurrency, pid, () => s.run(roundSeconds), true);
        (rounds[key] ??= []).push({ ...row, name: s.name });
        previousPid = pid;
      }
    }
    for (const key of keys) {
      r[key] = combine(rounds[key]!);
      rows.push(r[key]);
    }
  };
  /** An autocannon load for `alternate`: a list every connection cycles through, or a request built afresh each time. */
  const http1 = (name: string, concurrency: number, requests: HttpRequest[] | (() => HttpRequest), pid = service.pid, url = base): Scenario => ({
    name,
    concurrency,
    pid,
    run: (s) => runAutocannon({ url, connections: concurrency, seconds: s, ...(typeof requests === "function" ? { next: requests } : { requests }) }),
  });
  /** a's successful answers per second over b's: the median of the rounds' ratios when both alternated. */
  const ratio = (a: string, b: string) => {
    const [ra, rb] = [rounds[a], rounds[b]];
    if (ra === undefined || rb === undefined) return r[a]!.okRps / r[b]!.okRps;
    return median(ra.map((row, i) => row.okRps / rb[i]!.okRps));
  };
  /** One scenario against the service, measured once (not alternated). */
  const cannon = (name: string, concurrency: number, requests: HttpRequest[] | (() => HttpRequest), forSeconds = seconds) =>
    measure(name, concurrency, service.pid, () => http1(name, concurrency, requests).run(forSeconds));

  // --- Profile reads ---------------------------------------------------------
  const restRead = ids.map((id, i): HttpRequest => ({ method: "GET", path: `/profile/${id}`, headers: bearer(i) }));
  const connectJson = ids.map((id, i): HttpRequest => ({
    method: "POST",
    path: "/auth.v1.ProfileService/GetProfile",
    headers: { ...bearer(i), "content-type": "application/json", "connect-protocol-version": "1" },
    body: JSON.stringify({ id }),
  }));
  const connectGet = ids.map((id, i): HttpRequest => ({
    method: "GET",
    path: `/auth.v1.ProfileService/GetProfile?connect=v1&encoding=json&message=${encodeURIComponent(JSON.stringify({ id }))}`,
    headers: bearer(i),
  }));
  const binary = (id: string) => Buffer.from(toBinary(GetProfileRequestSchema, create(GetProfileRequestSchema, { id })));
  const connectBinary = ids.map((id, i): HttpRequest => ({
    method: "POST",
    path: "/auth.v1.ProfileService/GetProfile",
    headers: { ...bearer(i), "content-type": "application/proto", "connect-protocol-version": "1" },
    body: binary(id),
  }));

  // The baseline verifies HS256 tokens it can check with a KeyObject: mint them here.
  const baselineRead = ids.map((id): HttpRequest => ({
    method: "GET",
    path: `/profile/${id}`,
    headers: {
      authorization: `Bearer ${jwt.sign({}, benchSecrets.jwtSecret, { algorithm: "HS256", subject: id, issuer: "auth-service", audience: "auth-service", expiresIn: 3600 })}`,
    },
  }));
  const loginBody = (i: number) => JSON.stringify({ email: benchEmail(i + 1), password: BENCH_PASSWORD });
  const login = Array.from({ length: ACCOUNTS }, (_, i): HttpRequest => ({
    method: "POST",
    path: "/login",
    headers: { "content-type": "application/json" },
    body: loginBody(i),
  }));
  const passwordConns = cores * 4;
  const r: Record<string, Row> = {};
  /** The HTTP/2 rows need h2load; without it their target is reported as not measured. */
  let h2Missing = false;
  /** bcrypt checks per second, measured just before the password scenario of the same key. */
  const capacities: Record<string, number> = {};

  // The reads' alternation warms every door up; without it, warm REST up for the flood and scale groups.
  if (!groups.has("reads") && (groups.has("flood") || groups.has("scale"))) {
    log("warming up");
    for (const requests of [restRead, connectJson, connectGet, connectBinary]) {
      const warm = await runAutocannon({ url: base, connections: 16, seconds: 1, requests: [...requests] });
      if (warm.errors > 0) throw new Error(`warm-up of ${requests[0]!.path} got errors: ${JSON.stringify(warm.statuses)}`);
    }
  }

  // --- Profile reads ---------------------------------------------------------
  if (groups.has("reads")) {
    const baselinePort = await freePort();
    const baseline = await startNode(
      ["bench/baseline-server.ts"],
      { BASELINE_DATABASE_URL: db.url, BASELINE_JWT_SECRET: benchSecrets.jwtSecret, BASELINE_PORT: String(baselinePort) },
      { ready: /baseline ready/ },
    );
    stoppers.push(baseline.stop);
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    const [floorHttp1Port, floorH2cPort] = [await freePort(), await freePort()];
    const floor = await startNode(
      ["bench/connect-floor-server.ts"],
      { FLOOR_HTTP1_PORT: String(floorHttp1Port), FLOOR_H2C_PORT: String(floorH2cPort) },
      { ready: /connect floor ready/ },
    );
    stoppers.push(floor.stop);
    const floorUrl = `http://127.0.0.1:${floorHttp1Port}`;
    const baselineName = "baseline GetProfile (raw node:http+pg)";
    await alternate({
      baseline32: http1(baselineName, 32, baselineRead, baseline.pid, baselineUrl),
      rest32: http1("GetProfile REST", 32, restRead),
      json32: http1("GetProfile Connect JSON POST", 32, connectJson),
      get32: http1("GetProfile Connect JSON GET", 32, connectGet),
      binary32: http1("GetProfile Connect binary", 32, connectBinary),
      floorJson32: http1("Connect floor JSON POST (constant answer)", 32, connectJson, floor.pid, floorUrl),
    });
    // Warm from the 32-connection rounds just before.
    await alternate(
      {
        baseline64: http1(baselineName, 64, baselineRead, baseline.pid, baselineUrl),
        rest64: http1("GetProfile REST", 64, restRead),
        json64: http1("GetProfile Connect JSON POST", 64, connectJson),
      },
      { warmSeconds: 0 },
    );
    await baseline.stop();
    await checkH2(base, ids[0]!, tokens[0]!);
    const h2 = (name: string, contentType: string, body: Buffer, pid = service.pid, url = base): Scenario => ({
      name,
      concurrency: 32,
      pid,
      run: (s) =>
        runH2load({
          url: `${url}/auth.v1.ProfileService/GetProfile`,
          connections: 4,
          streams: 8,
          seconds: s,
          headers: { ...bearer(0), "content-type": contentType, ...(contentType === "application/grpc" ? { te: "trailers" } : { "connect-protocol-version": "1" }) },
          body,
        }),
    });
    if (spawnSync("h2load", ["--version"]).error === undefined) {
      const floorH2c = `http://127.0.0.1:${floorH2cPort}`;
      const jsonBody = Buffer.from(JSON.stringify({ id: ids[0] }));
      await alternate({
        jsonH2: h2("GetProfile Connect JSON h2c (h2load)", "application/json", jsonBody),
        grpc: h2("GetProfile gRPC h2c (h2load)", "application/grpc", grpcFrame(binary(ids[0]!))),
        floorJsonH2: h2("Connect floor JSON h2c (constant answer)", "application/json", jsonBody, floor.pid, floorH2c),
        floorGrpc: h2("Connect floor gRPC h2c (constant answer)", "application/grpc", grpcFrame(binary(ids[0]!)), floor.pid, floorH2c),
      });
    } else {
      h2Missing = true;
      log("h2load not found (Debian: apt-get install nghttp2-client): skipping the HTTP/2 rows");
    }
    await floor.stop();
  }

  // --- Password work ---------------------------------------------------------
  // Each password scenario is compared with the bcrypt capacity measured just
  // before it, for the same reason reads alternate: the host drifts.
  const capacityBefore = async (key: string) => {
    // Password work the previous scenario left queued would share the cores with the probe.
    await waitIdle(service.pid);
    log(`measuring bcrypt capacity (for ${key})`);
    capacities[key] = await bcryptCapacity(env);
  };
  if (groups.has("passwords")) {
    await capacityBefore("login");
    r.login = await cannon("Login REST", passwordConns, rotating(login));
    let registered = 0;
    const runTag = Math.random().toString(36).slice(2, 8);
    await capacityBefore("register");
    r.register = await cannon("Register REST", passwordConns, () => {
      registered++;
      return {
        method: "POST",
        path: "/register",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: `reg-${runTag}-${registered}`, email: `reg-${runTag}-${registered}@example.test`, password: BENCH_PASSWORD }),
      };
    });
    const update = ids.map((id, i): HttpRequest => ({
      method: "PUT",
      path: `/profile/${id}`,
      headers: { ...bearer(i), "content-type": "application/json" },
      body: JSON.stringify({ password: BENCH_PASSWORD }),
    }));
    await capacityBefore("update");
    r.update = await cannon("UpdateProfile REST (new password)", passwordConns, rotating(update));
    // More logins than the threads and queue hold: the excess must be refused at once.
    r.overload = await cannon("Login REST overload (beyond the queue)", 64, rotating(login), Math.min(seconds, 3));
  }

  // --- Reads during a login flood -------------------------------------------
  if (groups.has("flood")) {
    await capacityBefore("floodLogins");
    r.floodAlone = await cannon("GetProfile REST (just before the flood)", 32, restRead, Math.min(seconds, 3));
    // Every thread busy and the queue nearly full, but no refusals: the
    // flood is as much password work as the service accepts.
    const floodConns = cores * 8;
    [r.floodReads, r.floodLogins] = await Promise.all([
      cannon("GetProfile REST during login flood", 32, restRead),
      cannon("Login REST flood (with reads)", floodConns, rotating(login)),
    ]);
  }

  // --- Scale ------------------------------------------------------------------
  const plans: Record<string, string[]> = {};
  if (groups.has("scale")) {
    // The two statements as the service sends them (login: as MikroORM logs it).
    const profileSql = `select id, "user", email, email_verified_at, created_at, updated_at from users where id = $1`;
    const loginSql = `select u0.* from users as u0 where lower(u0.email) = $1 limit 1`;
    plans[`login (${users} users)`] = await db.explain(loginSql, [benchEmail(7)]);
    plans[`profile (${users} users)`] = await db.explain(profileSql, [ids[7]]);
    if (largeUsers > users) {
      // A second database and instance with the large table, so that the two
      // sizes can alternate like the read scenarios: the host's drift over
      // a minute is larger than the difference to be measured.
      const large = await createScratchDatabase(adminUrl);
      stoppers.push(async () => large.drop());
      const largePort = await freePort();
      const largeEnv = serviceEnv({ databaseUrl: large.url, port: largePort, bcryptCost: cost, smtpUrl: mail.url });
      const largeService = await startNode([...startArgs], largeEnv, { ready: { port: largePort } });
      stoppers.push(largeService.stop);
      const seeded = performance.now();
      await large.seed(1, largeUsers, stored);
      log(`seeded a second database with ${largeUsers} users in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
      const largeBase = `http://127.0.0.1:${largePort}`;
      const largeIds = await large.userIds(ACCOUNTS);
      const largeTokens = await loginAll(largeBase, ACCOUNTS);
      const largeRead = largeIds.map((id, i): HttpRequest => ({ method: "GET", path: `/profile/${id}`, headers: { authorization: `Bearer ${largeTokens[i]}` } }));
      // The first instance has been warming up for minutes; without this the
      // second one's younger JIT would pass for the larger table's cost.
      await runAutocannon({ url: largeBase, connections: 32, seconds: Math.min(seconds, 3), requests: largeRead });
      plans[`login (${largeUsers} users)`] = await large.explain(loginSql, [benchEmail(largeUsers - 7)]);
      plans[`profile (${largeUsers} users)`] = await large.explain(profileSql, [largeIds[7]]);
      // Four rounds, so that each side goes first as often: the first of a
      // pair ran about 7% slower than the second, whichever it was.
      await alternate(
        {
          scaleRest: http1(`GetProfile REST (${users} users)`, 32, restRead),
          largeRest: http1(`GetProfile REST (${largeUsers} users)`, 32, largeRead, largeService.pid, largeBase),
        },
        { rounds: 4 },
      );
      await alternate({
        scaleLogin: http1(`Login REST (${users} users, accounts spread)`, passwordConns, rotating(spreadLogins(users))),
        largeLogin: http1(
          `Login REST (${largeUsers} users, accounts spread)`,
          passwordConns,
          rotating(spreadLogins(largeUsers)),
          largeService.pid,
          largeBase,
        ),
      }, { rounds: 4, roundSeconds: Math.max(2, Math.round(seconds / 4)), warmSeconds: 0, passwords: true });
      await largeService.stop();
    }
  }

  // --- Memory over the run ---------------------------------------------------
  // Identical rounds of reads and logins after every other scenario. By then
  // the process has met each kind of load once, so it holds its high-water
  // mark for each; what the last round holds beyond the first accumulated.
  if (groups.has("reads")) {
    const memoryRounds = 3;
    const memorySeconds = Math.min(seconds, 3);
    for (let round = 1; round <= memoryRounds; round++) {
      r[`memory${round}`] = await cannon(`GetProfile REST (memory round ${round} of ${memoryRounds})`, 32, restRead, memorySeconds);
      if (round < memoryRounds) await cannon(`Login REST (memory round ${round} of ${memoryRounds})`, passwordConns, rotating(login), memorySeconds);
    }
  }

  const memorySamples = memory.stop();
  await service.stop();

  // --- Start-up -------------------------------------------------------------
  let startup = Number.NaN;
  if (groups.has("startup")) {
    log("timing npm start with an existing embedded data folder");
    startup = await timeNpmStart();
  }

  // --- Report -----------------------------------------------------------------
  const x = (n: number) => `${n.toFixed(2)}x`;
  const rssValues = memorySamples.map((m) => m.rssMiB);
  const checks: Check[] = [];
  /** Adds a check when every row it needs was measured. */
  const expect = (target: string, needs: string[], judge: (...rows: Row[]) => [string, boolean | undefined]) => {
    if (needs.some((k) => r[k] === undefined)) return;
    const [value, met] = judge(...needs.map((k) => r[k]!));
    checks.push({ target, value, met });
  };
  const perCapacity = (key: string) => r[key]!.okRps / capacities[key]!;
  /** A ratio of successful answers per second (see `ratio`): met at `min` or more, informative without one. */
  const expectRatio = (target: string, a: string, b: string, min?: number) =>
    expect(target, [a, b], () => [x(ratio(a, b)), min === undefined ? undefined : ratio(a, b) >= min]);
  expectRatio("REST GetProfile c32 >= 1.0x baseline", "rest32", "baseline32", 1);
  expectRatio("Connect JSON GetProfile c32 >= 1.0x baseline", "json32", "baseline32", 1);
  expect("server CPU per read, REST / baseline (informative)", ["rest32", "baseline32"], (a, b) => [x(a!.cpuMsPerRequest / b!.cpuMsPerRequest), undefined]);
  expect("REST + Connect JSON c32: p99 < 10 ms, no errors", ["rest32", "json32"], (a, b) => [
    `${a!.p99} / ${b!.p99} ms, ${a!.errors + b!.errors} errors`,
    Math.max(a!.p99, b!.p99) < 10 && a!.errors + b!.errors === 0,
  ]);
  expect("REST + Connect JSON c64: p99 < 20 ms, no errors", ["rest64", "json64"], (a, b) => [
    `${a!.p99} / ${b!.p99} ms, ${a!.errors + b!.errors} errors`,
    Math.max(a!.p99, b!.p99) < 20 && a!.errors + b!.errors === 0,
  ]);
  expectRatio("Connect floor JSON c32 / baseline: the most 1.0x could be (informative)", "floorJson32", "baseline32");
  expectRatio("Connect JSON GetProfile c32 / Connect floor (informative)", "json32", "floorJson32");
  expectRatio("Connect binary >= 0.8x Connect JSON (HTTP/1.1)", "binary32", "json32", 0.8);
  expectRatio("gRPC >= 0.8x Connect JSON (h2c, h2load)", "grpc", "jsonH2", 0.8);
  if (h2Missing) {
    checks.push({ target: "gRPC >= 0.8x Connect JSON (h2c, h2load)", value: "not measured: no h2load (Debian nghttp2-client)", met: false });
  }
  expectRatio("gRPC / Connect JSON h2c at the Connect floor (informative)", "floorGrpc", "floorJsonH2");
  expect("Login >= 0.95x bcrypt capacity", ["login"], () => [x(perCapacity("login")), perCapacity("login") >= 0.95]);
  expect("Register >= 0.95x bcrypt capacity", ["register"], () => [x(perCapacity("register")), perCapacity("register") >= 0.95]);
  expect("UpdateProfile (password) >= 0.95x bcrypt capacity", ["update"], () => [x(perCapacity("update")), perCapacity("update") >= 0.95]);
  expect("overload: excess refused at once (429), accepted ones bounded", ["overload"], (a) => [
    `${a!.statuses["429"] ?? 0} refused, ${a!.statuses["200"] ?? 0} served, p99 ${a!.p99} ms`,
    (a!.statuses["429"] ?? 0) > 0 && a!.errors === (a!.statuses["429"] ?? 0),
  ]);
  expect("login flood: reads >= 0.5x unloaded, p99 < 50 ms", ["floodReads", "floodAlone"], (a, b) => [
    `${x(a!.okRps / b!.okRps)}, p99 ${a!.p99} ms`,
    a!.okRps / b!.okRps >= 0.5 && a!.p99 < 50,
  ]);
  expect("login flood: Login >= 0.85x bcrypt capacity", ["floodLogins"], () => [x(perCapacity("floodLogins")), perCapacity("floodLogins") >= 0.85]);
  // Each connection of a closed loop sends its next request when the answer
  // comes, so mean latency = connections / throughput (Little's law): the
  // median throughput ratio of the rounds gives the mean latency ratio at
  // full precision, where autocannon's percentiles come in whole
  // milliseconds (11 against 12 ms is already 9%). p50 and p99 are shown beside it.
  const expectScale = (what: string, large: string, small: string) =>
    expect(`${what} mean latency at ${largeUsers} users within 10% of ${users} (p50 / p99 beside)`, [large, small], (a, b) => {
      const meanRatio = 1 / ratio(large, small);
      return [`${x(meanRatio)} (p50 ${x(a!.p50 / b!.p50)}, p99 ${x(a!.p99 / b!.p99)})`, meanRatio <= 1.1];
    });
  expectScale("GetProfile", "largeRest", "scaleRest");
  expectScale("Login", "largeLogin", "scaleLogin");
  checks.push({ target: "RSS < 250 MiB for the whole run", value: `peak ${Math.max(...rssValues).toFixed(0)} MiB`, met: Math.max(...rssValues) < 250 });
  expect("RSS flat: memory round 3 vs round 1 (GetProfile REST c32), < +10 MiB", ["memory3", "memory1"], (a, b) => {
    const growth = a!.rssMiB! - b!.rssMiB!;
    return [`${b!.rssMiB!.toFixed(0)} -> ${a!.rssMiB!.toFixed(0)} MiB (${growth >= 0 ? "+" : ""}${growth.toFixed(1)})`, growth < 10];
  });
  if (!Number.isNaN(startup)) {
    checks.push({ target: "npm start to ready (existing embedded data) < 3 s", value: `${(startup / 1000).toFixed(2)} s`, met: startup < 3000 });
  }

  const summary = {
    machine: { cores, cpu: cpus()[0]?.model, loadAverage: loadavg(), node: process.version },
    settings: { secondsPerScenario: seconds, users, largeUsers, bcryptCost: cost, serviceEnv: redact(env) },
    bcryptCapacityPerSecond: capacities,
    rounds,
    groups: [...groups],
    rows,
    checks,
    plans,
    memory: memorySamples,
    startupMs: startup,
    totalSeconds: (performance.now() - began) / 1000,
  };
  const capacityLine = Object.entries(capacities)
    .map(([key, perSecond]) => `${perSecond.toFixed(2)}/s before ${key}`)
    .join(", ");
  process.stdout.write(`\n${formatTable(rows)}\n\nbcrypt capacity at cost ${cost}: ${capacityLine || "not measured"}\n\n${formatChecks(checks)}\n`);
  for (const [name, plan] of Object.entries(plans)) process.stdout.write(`\nplan: ${name}\n  ${plan.join("\n  ")}\n`);
  process.stdout.write(`\ntotal ${summary.totalSeconds.toFixed(0)} s\n`);
  if (startLoad > cores / 2) {
    process.stdout.write(
      `\nWARNING: the machine was busy before the run (load average ${startLoad.toFixed(1)} on ${cores} cores): ` +
        "the service, the baseline and the load generator competed with other work, so these figures and ratios are not representative.\n",
    );
  }
  if (flags.out) writeFileSync(flags.out, `${JSON.stringify(summary, null, 2)}\n`);
}

/** Signs in `count` seeded accounts (a few at a time: each is a bcrypt check) and returns their access tokens. */
async function loginAll(base: string, count: number): Promise<string[]> {
  const tokens: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: cores * 2 }, async () => {
      while (next < count) {
        const i = next++;
        const res = await fetch(`${base}/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: benchEmail(i + 1), password: BENCH_PASSWORD }),
        });
        if (!res.ok) throw new Error(`login of ${benchEmail(i + 1)} failed: ${res.status} ${await res.text()}`);
        tokens[i] = ((await res.json()) as { access_token: string }).access_token;
      }
    }),
  );
  return tokens;
}

/** h2load sees HTTP statuses only: make sure both HTTP/2 doors answer OK before timing them. */
async function checkH2(base: string, id: string, token: string): Promise<void> {
  for (const transport of [createGrpcTransport({ baseUrl: base }), createConnectTransport({ baseUrl: base, httpVersion: "2" })]) {
    const profile = await createClient(ProfileService, transport).getProfile({ id }, { headers: { authorization: `Bearer ${token}` } });
    if (profile.profile?.id !== id) throw new Error("HTTP/2 GetProfile returned the wrong profile");
  }
}

function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

async function bcryptCapacity(env: Record<string, string>): Promise<number> {
  const probe = await startNode(["bench/bcrypt-capacity.ts"], { ...env, PROBE_SECONDS: String(Math.max(3, Math.min(seconds, 3))) }, {
    ready: /perSecond/,
    timeoutMs: 60_000,
  });
  const line = probe.output().split("\n").find((l) => l.includes("perSecond"))!;
  await probe.stop();
  return (JSON.parse(line) as { perSecond: number }).perSecond;
}

/** `npm start` twice on one embedded data folder; the second start is the one timed. */
async function timeNpmStart(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "auth-bench-start-"));
  try {
    let readyMs = 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      readyMs = await npmStartOnce(dataDir);
    }
    return readyMs;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function npmStartOnce(dataDir: string): Promise<number> {
  const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, PORT: "0", NODE_ENV: "development", LOG_LEVEL: "info" };
  delete env.DATABASE_URL;
  const began = performance.now();
  const child = spawn("npm", ["start", "--silent"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const readyMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start not ready after 60 s:\n${output}`)), 60_000);
    // A start that fails says so at once (a promise settles once: the exit after SIGTERM below is ignored).
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (code ${code}) before it was ready:\n${output}`));
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("auth service ready")) {
        clearTimeout(timer);
        resolve(performance.now() - began);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
  // The whole group (npm, node, the embedded PostgreSQL): main.ts stops the database on SIGTERM.
  process.kill(-child.pid!, "SIGTERM");
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 20_000);
  await exited;
  // npm may exit before the embedded PostgreSQL has: wait for the whole group.
  while (groupAlive(child.pid!)) await new Promise((resolve) => setTimeout(resolve, 100));
  clearTimeout(timer);
  return readyMs;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A load that `alternate` runs for a given number of seconds per round. */
interface Scenario {
  name: string;
  concurrency: number;
  /** The process whose CPU is counted (default: the service). */
  pid?: number;
  run(seconds: number): Promise<LoadResult>;
}

/** The rounds of one scenario as one row: totals and rates over all rounds; p50 and p99 the median of the rounds'. */
function combine(rounds: Row[]): Row {
  const sum = (pick: (row: Row) => number) => rounds.reduce((total, row) => total + pick(row), 0);
  const seconds = sum((row) => row.seconds);
  const requests = sum((row) => row.requests);
  const statuses: Record<string, number> = {};
  for (const row of rounds) for (const [status, n] of Object.entries(row.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const rss = rounds.flatMap((row) => (row.rssMiB === undefined ? [] : [row.rssMiB]));
  return {
    name: rounds[0]!.name,
    concurrency: rounds[0]!.concurrency,
    requests,
    seconds,
    rps: requests / seconds,
    okRps: sum((row) => row.okRps * row.seconds) / seconds,
    p50: median(rounds.map((row) => row.p50)),
    p99: median(rounds.map((row) => row.p99)),
    errors: sum((row) => row.errors),
    statuses,
    cpuMsPerRequest: sum((row) => row.cpuMsPerRequest * row.requests) / Math.max(1, requests),
    ...(rss.length > 0 ? { rssMiB: mean(rss) } : {}),
  };
}

/**
 * The requests in turn across all connections. (A plain list is replayed by
 * every connection from its start, so they would all sign in to the same
 * account at once, and the backoff admits only a few attempts in flight per
 * account: the extra ones are refused with 429.)
 */
function rotating(requests: HttpRequest[]): () => HttpRequest {
  let next = 0;
  return () => requests[next++ % requests.length]!;
}

function redact(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, /SECRET|PEPPER|PASSWORD|KEY/.test(k) ? "[redacted]" : v]));
}

// Consecutive failed sign-ins for one email address slow further attempts
// down (RL-01, RL-04, RL-05): 5 free failures, then waits of 1 s doubling to a
// cap (2 s here, 15 min by default), cleared by a success.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { doors, failure, restDoor, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { sleep, startInstances, type Instances } from "./instances.js";

let t: Instances;
let rest: Door;
let grpc: Door;
beforeAll(async () => {
  t = await startInstances(1, {
    LOGIN_BACKOFF_MAX: "2s",
    // The per-address limits are not under test here.
    RATE_LIMIT_LOGIN_PER_ADDRESS: "100000/1h",
    RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "100000/1h",
  });
  rest = restDoor(t.urls[0]!);
  grpc = doors(t.urls[0]!)[0]!;
});
afterAll(() => t?.close());

const wrong = (account: { email: string }) => ({ email: account.email, password: "not the right password at all" });
const events = (event: string, email: string) =>
  t.logs(event).filter((r) => (r.subject as { email?: string } | undefined)?.email === email);

async function failFiveTimes(door: Door, account: { email: string }) {
  for (let i = 0; i < 5; i++) expect((await failure(door.login(wrong(account)))).code).toBe(Code.Unauthenticated);
}

it("after 5 wrong passwords even the right one waits (429 + Retry-After); after the wait it works, and the next mistake is free again", async () => {
  const account = newAccount();
  await rest.register(account);
  await failFiveTimes(rest, account);

  const refused = await failure(rest.login(account));
  expect(refused).toMatchObject({
    code: Code.ResourceExhausted,
    reason: "ERROR_REASON_RATE_LIMITED",
    status: 429,
    retryAfterMs: 1_000,
    message: "too many failed attempts: retry in 1 second",
  });
  await sleep(refused.retryAfterMs!);
  await rest.login(account);
  expect((await failure(rest.login(wrong(account)))).code).toBe(Code.Unauthenticated);
  await rest.login(account);

  expect(events("authn_login_fail", account.email).map((r) => r.consecutiveFailures)).toEqual([1, 2, 3, 4, 5, 1]);
  expect(events("authn_login_lock", account.email)).toEqual([
    expect.objectContaining({ consecutiveFailures: 5, waitSeconds: 1, client: "127.0.0.1", rpc: "auth.v1.AuthService/Login" }),
  ]);
  expect(events("excess_rate_limit_exceeded", account.email)).toEqual([
    expect.objectContaining({ limit: "login_email_failures" }),
  ]);
});

it("each further failure doubles the wait, up to the cap (over gRPC as over REST)", async () => {
  const account = newAccount();
  await grpc.register(account);
  await failFiveTimes(grpc, account);
  const waits: number[] = [];
  for (let i = 0; i < 3; i++) {
    const refused = await failure(grpc.login(wrong(account)));
    expect(refused.code).toBe(Code.ResourceExhausted);
    waits.push(Math.ceil(refused.retryAfterMs! / 1000));
    await sleep(refused.retryAfterMs!);
    expect((await failure(grpc.login(wrong(account)))).code).toBe(Code.Unauthenticated);
  }
  // 1 s after the 5th failure, 2 s after the 6th, then the 2 s cap.
  expect(waits).toEqual([1, 2, 2]);
  expect(events("authn_login_lock", account.email).map((r) => r.waitSeconds)).toEqual([1, 2, 2, 2]);
});

it("answers an unknown email with the same 429s, so a 429 reveals nothing", async () => {
  const known = newAccount();
  await rest.register(known);
  const unknown = newAccount();
  await failFiveTimes(rest, known);
  await failFiveTimes(rest, unknown);
  const [a, b] = [await failure(rest.login(wrong(known))), await failure(rest.login(wrong(unknown)))];
  expect(a).toEqual(b);
  expect(a.code).toBe(Code.ResourceExhausted);
});

it("a success clears the count", async () => {
  const account = newAccount();
  await rest.register(account);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 4; i++) expect((await failure(rest.login(wrong(account)))).code).toBe(Code.Unauthenticated);
    await rest.login(account);
  }
});

it("invalid requests neither count as failures nor clear them", async () => {
  const account = newAccount();
  await rest.register(account);
  for (let i = 0; i < 10; i++) {
    expect((await failure(rest.login({ email: account.email, password: "" }))).code).toBe(Code.InvalidArgument);
  }
  await failFiveTimes(rest, account);
  expect((await failure(rest.login(account))).code).toBe(Code.ResourceExhausted);
});

it("50 parallel wrong passwords get at most 5 + 1 password checks; the rest wait", async () => {
  const account = newAccount();
  await rest.register(account);
  const results = await Promise.all(Array.from({ length: 50 }, () => failure(grpc.login(wrong(account)))));
  const checked = results.filter((r) => r.code === Code.Unauthenticated).length;
  const refused = results.filter((r) => r.code === Code.ResourceExhausted).length;
  // The 6th attempt may take the lock before the 5th failure sets it, or find it set.
  expect(checked).toBeGreaterThanOrEqual(5);
  expect(checked).toBeLessThanOrEqual(6);
  expect(refused).toBe(50 - checked);
  expect(events("authn_login_fail", account.email)).toHaveLength(checked);
  // The burst was counted in PostgreSQL throughout, not split with the per-instance fallback.
  expect(t.logs("rate_limit_store_unavailable")).toEqual([]);
});

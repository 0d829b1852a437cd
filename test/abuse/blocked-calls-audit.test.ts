// Blocked calls in the security log (audit_events): a sign-in lockout is the
// account's to read; a flood is one row per limit and window, never one per
// refused call; and an unknown email is refused exactly like a known one.
// The rows are written in the background, after the refusal, so the
// assertions wait for them.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Code } from "@connectrpc/connect";
import { doors, failure, restDoor, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { randomAddress, sleep, startInstances, type Instances } from "./instances.js";

type Row = { user_id: string | null; outcome: string; client_address: string; user_agent: string };

const blockedRows = (t: Instances, where: string, values: unknown[]) =>
  t.sql<Row>(`select user_id, outcome, client_address, user_agent from audit_events where type = 'rate_limited' and ${where}`, values);

/** Waits until `count` rows are there, then a little longer, so a late extra row would show. */
async function settledRows(read: () => Promise<Row[]>, count: number): Promise<Row[]> {
  await vi.waitFor(async () => expect((await read()).length).toBeGreaterThanOrEqual(count), { timeout: 5_000, interval: 50 });
  await sleep(300);
  return read();
}

const wrong = (account: { email: string }) => ({ email: account.email, password: "not the right password at all" });

describe("sign-in backoff", () => {
  let t: Instances;
  let door: Door;
  beforeAll(async () => {
    t = await startInstances(1, {
      LOGIN_BACKOFF_MAX: "2s",
      RATE_LIMIT_LOGIN_PER_ADDRESS: "100000/1h",
      RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "100000/1h",
    });
    door = restDoor(t.urls[0]!, { "user-agent": "guessing-script/1.0" });
  });
  afterAll(() => t?.close());

  it("a lockout is one blocked row in the account's log, however many calls it refuses; the owner reads it", async () => {
    const account = newAccount();
    const { id } = await door.register(account);
    for (let i = 0; i < 5; i++) expect((await failure(door.login(wrong(account)))).code).toBe(Code.Unauthenticated);
    let refused;
    for (let i = 0; i < 5; i++) {
      refused = await failure(door.login(wrong(account)));
      expect(refused.code).toBe(Code.ResourceExhausted);
    }

    const rows = await settledRows(() => blockedRows(t, "user_id = $1", [id]), 1);
    expect(rows).toEqual([{ user_id: id, outcome: "blocked", client_address: "127.0.0.1", user_agent: "guessing-script/1.0" }]);

    await sleep(refused!.retryAfterMs!);
    const { accessToken } = await door.login(account);
    const { events } = await door.listSecurityEvents({ id }, accessToken);
    expect(events.map((e) => [e.type, e.outcome]).slice(0, 2)).toEqual([
      ["SECURITY_EVENT_TYPE_LOGIN", "SECURITY_EVENT_OUTCOME_SUCCESS"],
      ["SECURITY_EVENT_TYPE_RATE_LIMITED", "SECURITY_EVENT_OUTCOME_BLOCKED"],
    ]);
  });

  it("an unknown email is refused exactly like a known one, and its row belongs to no account", async () => {
    const known = newAccount();
    const unknown = newAccount();
    const knownDoor = restDoor(t.urls[0]!, { "user-agent": `known-${known.email}` });
    const unknownDoor = restDoor(t.urls[0]!, { "user-agent": `unknown-${unknown.email}` });
    const { id } = await knownDoor.register(known);
    for (let i = 0; i < 5; i++) {
      expect((await failure(knownDoor.login(wrong(known)))).code).toBe(Code.Unauthenticated);
      expect((await failure(unknownDoor.login(wrong(unknown)))).code).toBe(Code.Unauthenticated);
    }
    const [a, b] = [await failure(knownDoor.login(wrong(known))), await failure(unknownDoor.login(wrong(unknown)))];
    expect(a).toMatchObject({ code: Code.ResourceExhausted, status: 429 });
    expect(b).toEqual(a);

    expect(await settledRows(() => blockedRows(t, "user_agent = $1", [`known-${known.email}`]), 1)).toEqual([
      expect.objectContaining({ user_id: id, outcome: "blocked" }),
    ]);
    expect(await settledRows(() => blockedRows(t, "user_agent = $1", [`unknown-${unknown.email}`]), 1)).toEqual([
      expect.objectContaining({ user_id: null, outcome: "blocked" }),
    ]);
  });
});

describe("per-address limits", () => {
  let t: Instances;
  beforeAll(async () => {
    t = await startInstances(1, {
      TRUSTED_PROXIES: "127.0.0.1",
      RATE_LIMIT_PER_ADDRESS: "6/2s",
      RATE_LIMIT_LOGIN_PER_ADDRESS_EMAIL: "2/1h",
    });
  });
  afterAll(() => t?.close());

  it("a flood from one address is one row per window (no account), not one per refused call", async () => {
    const client = randomAddress();
    const [grpc] = doors(t.urls[0]!, { "x-forwarded-for": client });
    const id = "00000000-0000-4000-8000-000000000000";
    const flood = async () => {
      const codes = await Promise.all(Array.from({ length: 16 }, async () => (await failure(grpc!.getProfile(id))).code));
      expect(codes.filter((c) => c === Code.ResourceExhausted).length).toBeGreaterThanOrEqual(10);
    };
    const rows = () => blockedRows(t, "client_address = $1", [client]);

    await flood();
    expect(await settledRows(rows, 1)).toEqual([expect.objectContaining({ user_id: null, outcome: "blocked" })]);
    // The next window: one more row, for a flood of the same size.
    await sleep(2_100);
    await flood();
    expect(await settledRows(rows, 2)).toHaveLength(2);
  });

  it("a limit per address and email blocks for the account when the email has one, with the same answer when not", async () => {
    const known = newAccount();
    const unknown = newAccount();
    const knownDoor = restDoor(t.urls[0]!, { "x-forwarded-for": randomAddress() });
    const unknownDoor = restDoor(t.urls[0]!, { "x-forwarded-for": randomAddress() });
    const { id } = await knownDoor.register(known);
    for (let i = 0; i < 2; i++) {
      expect((await failure(knownDoor.login(wrong(known)))).code).toBe(Code.Unauthenticated);
      expect((await failure(unknownDoor.login(wrong(unknown)))).code).toBe(Code.Unauthenticated);
    }
    const a = await failure(knownDoor.login(wrong(known)));
    const b = await failure(unknownDoor.login(wrong(unknown)));
    expect(a).toMatchObject({ code: Code.ResourceExhausted, status: 429 });
    // The same answer but for the seconds left in each address's window.
    const shape = ({ retryAfterMs, ...rest }: typeof a) => ({ ...rest, message: rest.message.replace(/\d+/g, "N"), waits: retryAfterMs! > 0 });
    expect(shape(b)).toEqual(shape(a));

    expect(await settledRows(() => blockedRows(t, "user_id = $1", [id]), 1)).toEqual([
      expect.objectContaining({ user_id: id, outcome: "blocked" }),
    ]);
  });

  it("when the row cannot be written, the refusal is the same and the failure is logged", async () => {
    const client = randomAddress();
    const [grpc] = doors(t.urls[0]!, { "x-forwarded-for": client });
    const id = "00000000-0000-4000-8000-000000000000";
    await t.sql(`create or replace function refuse_blocked() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`);
    await t.sql("create trigger refuse_blocked before insert on audit_events for each row when (new.type = 'rate_limited') execute function refuse_blocked()");
    try {
      for (let i = 0; i < 6; i++) expect((await failure(grpc!.getProfile(id))).code).toBe(Code.Unauthenticated);
      expect(await failure(grpc!.getProfile(id))).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_RATE_LIMITED" });
      await vi.waitFor(() => expect(t.logs().filter((r) => r.msg === "recording a blocked call in the security log failed")).toHaveLength(1), {
        timeout: 5_000,
      });
    } finally {
      await t.sql("drop trigger refuse_blocked on audit_events");
    }
    expect(await blockedRows(t, "client_address = $1", [client])).toEqual([]);
  });
});

// Security events: written with the change they describe, readable by their
// owner on every door, pruned after the retention period.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { pruneExpired, retentionRules } from "../../src/db/retention.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

describe.each(doors("http://placeholder").map((d) => d.name))("over %s", (name) => {
  let door: Door;
  beforeAll(() => {
    door = doors(t.baseUrl).find((d) => d.name === name)!;
  });

  it("shows the owner every event, newest first, in pages", async () => {
    const account = newAccount();
    const { id } = await door.register(account);
    await failure(door.login({ ...account, password: "not the right password" }));
    const { accessToken } = await door.login(account);
    await door.updateProfile({ id, password: "another long passphrase", email: `moved.${account.email}` }, accessToken);

    const all = await door.listSecurityEvents({ id }, accessToken);
    const seen = all.events.map((e) => [e.type, e.outcome]);
    // One update wrote both of these in one transaction: their order is a tie.
    expect(seen.slice(0, 2)).toEqual(
      expect.arrayContaining([
        ["SECURITY_EVENT_TYPE_PASSWORD_CHANGED", "SECURITY_EVENT_OUTCOME_SUCCESS"],
        ["SECURITY_EVENT_TYPE_EMAIL_CHANGED", "SECURITY_EVENT_OUTCOME_SUCCESS"],
      ]),
    );
    expect(seen.slice(2)).toEqual([
      ["SECURITY_EVENT_TYPE_LOGIN", "SECURITY_EVENT_OUTCOME_SUCCESS"],
      ["SECURITY_EVENT_TYPE_LOGIN", "SECURITY_EVENT_OUTCOME_FAILURE"],
      ["SECURITY_EVENT_TYPE_ACCOUNT_CREATED", "SECURITY_EVENT_OUTCOME_SUCCESS"],
    ]);
    expect(all.nextPageToken).toBe("");
    expect(all.events[0]!.clientAddress).toMatch(/127\.0\.0\.1/);

    const first = await door.listSecurityEvents({ id, pageSize: 2 }, accessToken);
    const second = await door.listSecurityEvents({ id, pageSize: 2, pageToken: first.nextPageToken }, accessToken);
    const third = await door.listSecurityEvents({ id, pageSize: 2, pageToken: second.nextPageToken }, accessToken);
    expect([...first.events, ...second.events, ...third.events]).toEqual(all.events);
    expect(third.nextPageToken).toBe("");
  });

  it("refuses another account's log and bad paging input", async () => {
    const me = newAccount();
    const { id } = await door.register(me);
    const { id: otherId } = await door.register(newAccount());
    const { accessToken } = await door.login(me);
    expect((await failure(door.listSecurityEvents({ id: otherId }, accessToken))).code).toBe(Code.PermissionDenied);
    expect(await failure(door.listSecurityEvents({ id, pageToken: "bm9wZQ" }, accessToken))).toMatchObject({
      code: Code.InvalidArgument,
      violations: [{ field: "page_token", description: "page_token is not a token this service issued" }],
    });
    expect(await failure(door.listSecurityEvents({ id, pageSize: 101 }, accessToken))).toMatchObject({
      code: Code.InvalidArgument,
      violations: [{ field: "page_size", description: "page size must be between 0 and 100" }],
    });
  });
});

it("records failed sign-ins for unknown emails for operators, visible to no account", async () => {
  const email = newAccount().email;
  await failure(doors(t.baseUrl)[0]!.login({ email, password: "whatever it might be" }));
  const rows = await t.sql("select user_id, type, outcome from audit_events where user_id is null and type = 'login'");
  expect(rows.length).toBeGreaterThan(0);
  expect(rows[0]).toMatchObject({ user_id: null, outcome: "failure" });
});

it("writes no success event when the change it describes rolls back", async () => {
  const [grpc] = doors(t.baseUrl);
  const account = newAccount();
  const { id } = await grpc!.register(account);
  const { accessToken } = await grpc!.login(account);
  await t.sql(`create or replace function refuse_update() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`);
  await t.sql("create trigger refuse_updates before update on users for each row execute function refuse_update()");
  try {
    expect((await failure(grpc!.updateProfile({ id, password: "a different passphrase" }, accessToken))).code).toBe(Code.Internal);
  } finally {
    await t.sql("drop trigger refuse_updates on users");
  }
  const rows = await t.sql("select type from audit_events where user_id = $1 and type = 'password_changed'", [id]);
  expect(rows).toEqual([]);
});

it("prunes events older than the retention period and keeps the rest", async () => {
  const [grpc] = doors(t.baseUrl);
  const { id } = await grpc!.register(newAccount());
  await t.sql(
    `insert into audit_events (id, occurred_at, user_id, type, outcome, client_address, user_agent, request_id)
     select gen_random_uuid(), now() - interval '91 days', $1, 'login', 'success', '127.0.0.1', '', 'old'
     from generate_series(1, 12)`,
    [id],
  );
  await pruneExpired(t.orm, retentionRules({ auditRetentionDays: 90 }));
  const left = await t.sql<{ request_id: string }>("select request_id from audit_events where user_id = $1", [id]);
  expect(left.map((r) => r.request_id)).not.toContain("old");
  expect(left).toHaveLength(1);
});

describe("the log is append-only (LG-05)", () => {
  it("refuses to change an event, or to delete one younger than a day", async () => {
    const [grpc] = doors(t.baseUrl);
    const { id } = await grpc!.register(newAccount());
    await expect(t.sql("update audit_events set outcome = 'failure' where user_id = $1", [id])).rejects.toThrow(
      /audit_events rows cannot be changed/,
    );
    await expect(t.sql("delete from audit_events where user_id = $1", [id])).rejects.toThrow(
      /audit_events rows younger than a day cannot be deleted/,
    );
    const rows = await t.sql<{ type: string; outcome: string }>("select type, outcome from audit_events where user_id = $1", [id]);
    expect(rows).toEqual([{ type: "account_created", outcome: "success" }]);
  });

  it("lets an account's events go with the account", async () => {
    const [grpc] = doors(t.baseUrl);
    const { id } = await grpc!.register(newAccount());
    await t.sql("delete from users where id = $1", [id]);
    expect(await t.sql("select id from audit_events where user_id = $1", [id])).toEqual([]);
  });
});

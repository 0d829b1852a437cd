// Retention: mail sent over a week ago and one-time tokens a day past their
// expiry are deleted; unsent mail and live tokens are kept. (Security
// events: test/audit/security-log.test.ts.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { pruneExpired, retentionRules } from "../../src/db/retention.js";
import { doors } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

it("deletes sent mail after a week and spent or expired tokens a day after expiry, and keeps the rest", async () => {
  const [grpc] = doors(t.baseUrl);
  const { id } = await grpc!.register(newAccount("retention"));
  await t.sql(
    `insert into email_outbox (id, recipient, template, payload, created_at, next_attempt_at, attempts, sent_at)
     values (gen_random_uuid(), 'old-sent@example.test', 'verify_email', null, now() - interval '9 days', now(), 1, now() - interval '8 days'),
            (gen_random_uuid(), 'recent-sent@example.test', 'verify_email', null, now() - interval '2 days', now(), 1, now() - interval '1 day'),
            (gen_random_uuid(), 'never-sent@example.test', 'verify_email', '{}', now() - interval '30 days', now() + interval '1 day', 9, null)`,
  );
  await t.sql(
    `insert into one_time_tokens (id, user_id, purpose, token_hash, email, created_at, expires_at, used_at)
     values (gen_random_uuid(), $1, 'reset_password', 'long-expired', 'x@example.test', now() - interval '3 days', now() - interval '2 days', null),
            (gen_random_uuid(), $1, 'verify_email', 'long-used', 'x@example.test', now() - interval '3 days', now() - interval '2 days', now() - interval '3 days'),
            (gen_random_uuid(), $1, 'reset_password', 'just-expired', 'x@example.test', now() - interval '2 hours', now() - interval '1 hour', null),
            (gen_random_uuid(), $1, 'reset_password', 'live', 'x@example.test', now(), now() + interval '1 hour', null)`,
    [id],
  );
  // The server runs the same rules on its own timer (once at start-up too), so
  // only the outcome is certain, not which run deleted what.
  await pruneExpired(t.orm, retentionRules({ auditRetentionDays: 90 }));

  const mail = await t.sql<{ recipient: string }>("select recipient from email_outbox where recipient like '%-sent@example.test' order by recipient");
  expect(mail.map((m) => m.recipient)).toEqual(["never-sent@example.test", "recent-sent@example.test"]);
  const tokens = await t.sql<{ token_hash: string }>("select token_hash from one_time_tokens where user_id = $1 and email = 'x@example.test' order by token_hash", [id]);
  expect(tokens.map((r) => r.token_hash)).toEqual(["just-expired", "live"]);
});

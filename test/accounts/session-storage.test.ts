// What the database holds of sessions, and the rules it enforces itself
// (DI-05): digests only, sealed successors erased once their grace window has
// passed, constraints that hold whatever writes the rows.
import { afterAll, beforeAll, expect, it } from "vitest";
import jwt from "jsonwebtoken";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { restDoor, type Door } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let clock = Date.now();
let t: TestServer;
let door: Door;
beforeAll(async () => {
  t = await startTestServer({}, () => clock);
  door = restDoor(t.baseUrl);
});
afterAll(() => t?.close());

const sessionOf = (accessToken: string) => (jwt.decode(accessToken) as { sid: string }).sid;
async function signedIn() {
  const account = newAccount();
  const { id } = await door.register(account);
  return { id, account, tokens: await door.login(account) };
}
const sealed = async (sessionId: string) =>
  (await t.sql<{ n: string }>("select count(*) as n from refresh_tokens where session_id = $1 and successor_sealed is not null", [sessionId]))[0]!.n;

it("keeps a spent token's sealed successor only until the next Refresh or Login after the grace window", async () => {
  const { tokens } = await signedIn();
  const sessionId = sessionOf(tokens.accessToken);
  await door.refresh(tokens.refreshToken);
  expect(await sealed(sessionId)).toBe("1");
  clock += 6_000;
  await signedIn();
  expect(await sealed(sessionId)).toBe("0");
});

it("refuses rows that break the rules, whatever writes them", async () => {
  const { tokens } = await signedIn();
  const sessionId = sessionOf(tokens.accessToken);
  const broken = [
    ["a token that is not a hex digest", `insert into refresh_tokens (id, session_id, token_hash, created_at) values (gen_random_uuid(), $1, 'plain-token', now())`],
    ["a second row with the same digest", `insert into refresh_tokens (id, session_id, token_hash, created_at) select gen_random_uuid(), $1, token_hash, now() from refresh_tokens where session_id = $1`],
    ["a successor on an unspent token", `update refresh_tokens set successor_sealed = 'x' where session_id = $1 and spent_at is null`],
    ["a revocation without a reason", `update sessions set revoked_at = now() where id = $1`],
    ["an unknown revocation reason", `update sessions set revoked_at = now(), revoked_reason = 'whim' where id = $1`],
    ["an idle limit past the absolute one", `update sessions set expires_at = absolute_expires_at + interval '1 day' where id = $1`],
    ["a token of no session", `insert into refresh_tokens (id, session_id, token_hash, created_at) values (gen_random_uuid(), gen_random_uuid(), repeat('a', 64), now())`],
  ] as const;
  for (const [what, statement] of broken) {
    // SQLSTATE class 23: an integrity constraint, not some other mistake.
    const error = await t.sql(statement, statement.includes("$1") ? [sessionId] : []).catch((e: { code: string }) => e);
    expect(error, what).toMatchObject({ code: expect.stringMatching(/^23/) });
  }
  await door.refresh(tokens.refreshToken);
});

it("deletes a user's sessions and tokens with the user", async () => {
  const { id, tokens } = await signedIn();
  await door.refresh(tokens.refreshToken);
  await t.sql("delete from users where id = $1", [id]);
  expect(await t.sql("select 1 from refresh_tokens where session_id = $1", [sessionOf(tokens.accessToken)])).toEqual([]);
});

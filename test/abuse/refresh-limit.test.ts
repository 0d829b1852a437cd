// Refresh is limited per client address (each call locks and writes its
// session's rows), like the other token-redeeming RPCs.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { failure, restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_REFRESH_PER_ADDRESS: "2/1h" });
});
afterAll(() => t?.close());

it("answers resource_exhausted (429) after RATE_LIMIT_REFRESH_PER_ADDRESS refreshes, before touching the session", async () => {
  const door = restDoor(t.baseUrl);
  const account = newAccount();
  await door.register(account);
  let tokens = await door.login(account);
  tokens = await door.refresh(tokens.refreshToken);
  tokens = await door.refresh(tokens.refreshToken);
  expect(await failure(door.refresh(tokens.refreshToken))).toMatchObject({ reason: "ERROR_REASON_RATE_LIMITED", status: 429 });
  // The refused call spent nothing: the token is still the session's current one.
  const [row] = await t.sql<{ spent_at: Date | null }>("select spent_at from refresh_tokens order by created_at desc limit 1");
  expect(row?.spent_at).toBeNull();
});

// A flood of password work is refused at once with resource_exhausted, on
// every door, instead of queueing without bound; nothing is written.
import { afterAll, beforeAll, expect, it } from "vitest";
import bcrypt from "bcrypt";
import { Code } from "@connectrpc/connect";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  // One thread and one place in the queue: kept full below, so every other password call is refused.
  t = await startTestServer({ PASSWORD_HASH_THREADS: "1", PASSWORD_HASH_MAX_QUEUE: "1" });
});
afterAll(() => t?.close());

/**
 * Keeps the password thread and its queue full until stopped: two chains of
 * compares, each sending the next one as soon as its previous one ends. A
 * finished task hands the thread to the queued one and the chain refills the
 * queue in the same turn of the event loop, before any request is read.
 */
async function fillPasswordWork(server: TestServer) {
  const stored = { hash: await bcrypt.hash("fills the queue", 8), scheme: "bcrypt" };
  let stopped = false;
  const chain = async () => {
    while (!stopped) {
      // Never refused while the two chains alone feed the pool; if it were, yield instead of spinning.
      await server.server.hasher.verify("fills the queue", stored).catch(() => new Promise((resolve) => setImmediate(resolve)));
    }
  };
  const chains = [chain(), chain()];
  return async () => {
    stopped = true;
    await Promise.all(chains);
  };
}

const userCount = async () => Number((await t.sql<{ n: string }>("select count(*) as n from users"))[0]!.n);

it("while the password threads and queue are full, Register, Login and a password change get resource_exhausted on every door, and reads go on", async () => {
  const everyDoor = doors(t.baseUrl);
  const accounts = [];
  for (const door of everyDoor) {
    const account = newAccount();
    const { id } = await door.register(account);
    accounts.push({ door, account, id, token: (await door.login(account)).accessToken });
  }
  const before = await userCount();

  const release = await fillPasswordWork(t);
  for (const { door, account, id, token } of accounts) {
    const refusals = [
      await failure(door.register(newAccount())),
      await failure(door.login(account)),
      await failure(door.login({ email: "nobody@example.com", password: "whatever it is" })),
      await failure(door.updateProfile({ id, user: `${account.user}-renamed`, password: "a brand new passphrase" }, token)),
    ];
    for (const err of refusals) {
      expect(err, door.name).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_SERVER_BUSY" });
      expect(err.message).toBe("the server is busy checking passwords, retry shortly");
    }
    if (door.name === "rest") expect(refusals.map((e) => e.status)).toEqual([429, 429, 429, 429]);
    // Reads need no password work: they are answered as usual, unchanged.
    expect((await door.getProfile(id, token)).user).toBe(account.user);
  }

  // REST clients are told when to come back.
  const res = await fetch(`${t.baseUrl}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "someone@example.com", password: "some password" }),
  });
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  const body = (await res.json()) as { details: { "@type": string; retryDelay?: string }[] };
  expect(body.details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo")?.retryDelay).toMatch(/^\d+(\.\d+)?s$/);

  expect(await userCount()).toBe(before);
  await release();
  // The thread is free again: password calls are accepted.
  for (const { door, account } of accounts) expect((await door.login(account)).accessToken).toBeTruthy();
});

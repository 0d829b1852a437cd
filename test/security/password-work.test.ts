import { afterAll, expect, it } from "vitest";
import bcrypt from "bcrypt";
import { PasswordWork, PasswordWorkBusy } from "../../src/security/password-work.js";

const work = new PasswordWork({ threads: 1, maxQueue: 1, nice: 0 });
afterAll(() => work.close());

it("runs one call per thread, queues up to maxQueue more, and refuses the rest at once with a retry estimate", async () => {
  const calls = [work.hash("first", 4), work.hash("second", 4), work.hash("third", 4)];
  const [first, second, third] = await Promise.allSettled(calls);
  expect(first?.status).toBe("fulfilled");
  expect(second?.status).toBe("fulfilled");
  expect(third?.status).toBe("rejected");
  const refused = (third as PromiseRejectedResult).reason;
  expect(refused).toBeInstanceOf(PasswordWorkBusy);
  expect(refused.retryAfterMs).toBeGreaterThan(0);
  // The queue drains: the next call is accepted again.
  expect(await work.compare("first", (first as PromiseFulfilledResult<string>).value)).toBe(true);
});

it("does real bcrypt work on its threads", async () => {
  const hash = await work.hash("a password", 5);
  expect(bcrypt.getRounds(hash)).toBe(5);
  expect(await bcrypt.compare("a password", hash)).toBe(true);
  expect(await work.compare("another password", hash)).toBe(false);
});

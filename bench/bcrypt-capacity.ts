// The other yardstick: how many password checks per second this machine does
// at the configured cost, through the service's own PasswordHasher (same
// threads, same limits), with nothing else running. Login, Register and a
// password change are divided by this.
//
// Run by the harness as a child process, with the service's environment:
//   PROBE_SECONDS=5 tsx bench/bcrypt-capacity.ts   -> prints {"perSecond": ...}
import { loadConfig } from "../src/config.js";
import { PasswordHasher } from "../src/security/password-hasher.js";

const config = loadConfig();
const hasher = new PasswordHasher({ pepper: config.password.pepper!, cost: config.password.bcryptCost, work: config.password.work });
const stored = await hasher.hash("capacity probe password");
const seconds = Number(process.env.PROBE_SECONDS ?? 5);

// Twice the threads in flight keeps every thread busy without waiting on us.
const inFlight = config.password.work.threads * 2;
let done = 0;
const began = performance.now();
const deadline = began + seconds * 1000;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      await hasher.verify("capacity probe password", stored);
      done++;
    }
  }),
);
const elapsed = (performance.now() - began) / 1000;
await hasher.close();
process.stdout.write(`${JSON.stringify({ perSecond: done / elapsed, checks: done, seconds: elapsed })}\n`);

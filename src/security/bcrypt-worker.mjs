// The body of a password-work thread (see password-work.ts). Plain
// JavaScript on purpose: worker threads do not inherit a TypeScript loader
// under every runner (vitest's is in-process), and this file needs none.
// bcrypt's synchronous calls are right here: this thread does nothing else,
// and the event loop it would block is not the server's.
import bcrypt from "bcrypt";

/**
 * @param {{ op: "hash", input: string, cost: number } | { op: "compare", input: string, hash: string }} task
 * @returns {{ value: string | boolean, ms: number }} the result, and the thread time it took (for retry estimates)
 */
export default function run(task) {
  const started = performance.now();
  const value = work(task);
  return { value, ms: performance.now() - started };
}

function work(task) {
  switch (task.op) {
    case "hash":
      return bcrypt.hashSync(task.input, task.cost);
    case "compare":
      return bcrypt.compareSync(task.input, task.hash);
    default:
      throw new Error(`unknown password task ${JSON.stringify(task.op)}`);
  }
}

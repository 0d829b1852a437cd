// Where bcrypt runs: a fixed pool of worker threads with a bounded queue.
//
// bcrypt at cost 12 is ~200 ms of one core per hash or compare. Run on the
// event loop's libuv pool with no bound, a login flood piles up work (and
// latency, and memory) without limit and competes as an equal with the
// thread that answers every other request. Here instead:
// - `threads` workers (default: one per core) do all password work, so all
//   cores can turn into bcrypt and nothing else runs it;
// - at most `maxQueue` calls wait for a worker; past that a call fails at
//   once with PasswordWorkBusy (resource_exhausted + RetryInfo), so a flood
//   costs a bounded wait and bounded memory;
// - the workers run at a lower CPU priority (`nice`): when the event loop or
//   PostgreSQL have work they get the cores first, and bcrypt takes what is
//   left. Token checks and profile reads stay fast during a login flood;
//   logins slow down only while other requests actually need the CPU.
//
// piscina (a maintained worker pool) provides the threads, the queue and the
// per-thread nice value; the bound is checked here so that it surfaces as a
// typed error instead of a message string.
import { Piscina } from "piscina";

export interface PasswordWorkOptions {
  /** Worker threads doing bcrypt. */
  threads: number;
  /** Calls allowed to wait for a free thread; more fail with PasswordWorkBusy. */
  maxQueue: number;
  /** Added to the workers' nice value (0 = same priority as the event loop, 19 = lowest). */
  nice: number;
}

/** All password threads are busy and the queue is full: retry later. */
export class PasswordWorkBusy extends Error {
  override name = "PasswordWorkBusy";
  constructor(readonly retryAfterMs: number) {
    super("too many password checks in progress");
  }
}

type Task = { op: "hash"; input: string; cost: number } | { op: "compare"; input: string; hash: string };
type Done = { value: string | boolean; ms: number };

/** Smoothing of the per-task duration estimate used for RetryInfo. */
const EWMA_WEIGHT = 0.2;

export class PasswordWork {
  private readonly pool: Piscina<Task, Done>;
  private readonly options: PasswordWorkOptions;
  /** Recent thread time of one task, for the retry estimate. */
  private taskMs = 250;

  constructor(options: PasswordWorkOptions) {
    this.options = options;
    this.pool = new Piscina({
      filename: new URL("./bcrypt-worker.mjs", import.meta.url).href,
      // Started up front: the first login should not pay for a thread start.
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // The bound is enforced in run(); this is a second guard.
      maxQueue: options.maxQueue,
      niceIncrement: options.nice,
      // The worker is plain JavaScript: no TypeScript loader or inspector flags needed.
      execArgv: [],
    });
  }

  hash(input: string, cost: number): Promise<string> {
    return this.run({ op: "hash", input, cost }) as Promise<string>;
  }

  compare(input: string, hash: string): Promise<boolean> {
    return this.run({ op: "compare", input, hash }) as Promise<boolean>;
  }

  /** Calls waiting for a thread, and calls running. */
  get load(): { queued: number; running: number } {
    return { queued: this.pool.queueSize, running: this.pool.threads.length - this.pool.idleThreads };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  private async run(task: Task): Promise<string | boolean> {
    const queued = this.pool.queueSize;
    // The call would wait (no idle thread, or others already waiting) and
    // the queue is full: refuse it now rather than let piscina reject it.
    if (queued >= this.options.maxQueue && (queued > 0 || this.pool.idleThreads === 0)) {
      // Everyone ahead of the caller, spread over the threads, plus their own turn.
      throw new PasswordWorkBusy(Math.ceil(((queued + this.options.threads) / this.options.threads) * this.taskMs));
    }
    const done = await this.pool.run(task);
    this.taskMs += EWMA_WEIGHT * (done.ms - this.taskMs);
    return done.value;
  }
}

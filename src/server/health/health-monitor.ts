// Whether this instance can serve: SERVING while the database answers a
// ping, NOT_SERVING when it does not and, for good, once shutdown begins.
// Pings run periodically (so Watch streams hear of changes) and on demand
// (so a probe gets a fresh answer), but never more than one at a time nor
// more often than once per MAX_RESULT_AGE_MS, however many probes ask.
import type { Logger } from "pino";

export type ServingStatus = "SERVING" | "NOT_SERVING";

/** An on-demand check reuses a result younger than this (or than the interval, if shorter). */
const MAX_RESULT_AGE_MS = 1_000;

export interface HealthMonitorOptions {
  /** Resolves when the database answers; rejects or hangs when it does not. */
  ping: () => Promise<unknown>;
  /** Time between background pings. */
  intervalMs: number;
  /** A ping slower than this counts as a failure. */
  timeoutMs: number;
  log: Logger;
}

export class HealthMonitor {
  private current: ServingStatus = "NOT_SERVING";
  private checkedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<ServingStatus> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners = new Set<() => void>();
  private readonly maxAgeMs: number;

  constructor(private readonly options: HealthMonitorOptions) {
    this.maxAgeMs = Math.min(MAX_RESULT_AGE_MS, options.intervalMs);
  }

  /** The last known status, without pinging. */
  get status(): ServingStatus {
    return this.current;
  }

  /** Starts the background pings, the first one now. */
  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
    void this.refresh();
  }

  /** The status, pinging the database first unless the last answer is recent. */
  check(): Promise<ServingStatus> {
    if (this.stopped) return Promise.resolve("NOT_SERVING");
    if (performance.now() - this.checkedAt < this.maxAgeMs) return Promise.resolve(this.current);
    return this.refresh();
  }

  /** Shutdown has begun: NOT_SERVING from now on, whatever the database says; watchers are told and end. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.current = "NOT_SERVING";
    for (const listener of this.listeners) listener();
  }

  /**
   * The current status, then each change, until `signal` aborts or shutdown
   * begins (after NOT_SERVING has been sent).
   */
  async *watch(signal: AbortSignal): AsyncGenerator<ServingStatus> {
    let wake: (() => void) | undefined;
    const notify = () => wake?.();
    this.listeners.add(notify);
    signal.addEventListener("abort", notify);
    try {
      let sent = await this.check();
      yield sent;
      for (;;) {
        if (this.current !== sent) {
          sent = this.current;
          yield sent;
          continue;
        }
        if (signal.aborted || this.stopped) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.listeners.delete(notify);
      signal.removeEventListener("abort", notify);
    }
  }

  /** Pings unless a ping is already running, in which case its answer is shared. */
  private refresh(): Promise<ServingStatus> {
    this.inFlight ??= this.ping().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async ping(): Promise<ServingStatus> {
    let next: ServingStatus = "SERVING";
    let failure: unknown;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
        }),
      ]);
    } catch (error) {
      next = "NOT_SERVING";
      failure = error;
    } finally {
      clearTimeout(timer);
    }
    const first = this.checkedAt === Number.NEGATIVE_INFINITY;
    this.checkedAt = performance.now();
    if (this.stopped || (next === this.current && !first)) return this.current;
    const changed = next !== this.current;
    this.current = next;
    if (next === "SERVING") {
      this.options.log.info("database reachable: health SERVING");
    } else {
      const err = failure as { message?: string; code?: string };
      this.options.log.warn({ err: { message: err.message, code: err.code } }, "database unreachable: health NOT_SERVING");
    }
    if (changed) for (const listener of this.listeners) listener();
    return this.current;
  }
}

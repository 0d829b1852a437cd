// Applies the limit table to calls: counts them, refuses those over a limit,
// and runs failure backoff, writing security events to the log. Blocks are
// also kept in the security log (audit_events), at the same moments as the
// log lines that cannot flood: the first refusal per limit and window, and
// the start or growth of a backoff wait; never once per refused call.
//
// Backoff is atomic across concurrent attempts and instances: an attempt
// takes a number from a shared counter *before* its password is checked. The
// first `freeFailures` numbers go straight through; any later attempt must
// also take the account's one-slot lock, which a failure holds for the
// backoff wait. So 50 parallel guesses cost at most freeFailures + 1 password
// checks, not 50.
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { RateLimiterRes } from "rate-limiter-flexible";
import type { Logger } from "pino";
import type { BlockedCallLog } from "../audit/blocked-calls.js";
import type { LimiterStore } from "./limiter-store.js";
import {
  backoffSeconds,
  keyOf,
  subjectOf,
  type BackoffRule,
  type Call,
  type LimitRule,
  type LimitTable,
} from "./rules.js";

/** Thrown when a call is refused; the interceptor turns it into resource_exhausted. */
export class RateLimited extends Error {
  override name = "RateLimited";
  constructor(
    readonly retryAfterMs: number,
    /** "backoff": failed attempts for this key; "limit": too many calls. */
    readonly kind: "limit" | "backoff",
  ) {
    super(kind === "backoff" ? "too many failed attempts" : "too many requests");
  }
}

/** How an admitted call ended, for backoff; a no-op for RPCs without one. */
export interface Attempt {
  settle(error: unknown): Promise<void>;
}

/** Attempts beyond the free ones hold the lock at least this long while their check runs. */
const IN_FLIGHT_SECONDS = 5;

interface Counted {
  rule: LimitRule;
  limiter: RateLimiterAbstract;
}

interface Backoff {
  rule: BackoffRule;
  /** Attempts in the current run: finished failures plus attempts still in flight. */
  attempts: RateLimiterAbstract;
  /** One slot: taken by an attempt beyond the free ones, held by a failure for its wait. */
  lock: RateLimiterAbstract;
}

const NO_BACKOFF: Attempt = { settle: async () => undefined };

export class AbuseGuard {
  private readonly everyRpc: Counted[];
  private readonly byRpc = new Map<string, { limits: Counted[]; backoff: Backoff | undefined }>();

  constructor(
    table: LimitTable,
    store: LimiterStore,
    private readonly log: Logger,
    /** Where blocks go in the security log; record() returns at once and never throws. */
    private readonly blocked: Pick<BlockedCallLog, "record">,
  ) {
    const counted = (rule: LimitRule): Counted => ({ rule, limiter: store.limiter(rule.name, rule.limit) });
    this.everyRpc = table.everyRpc.map(counted);
    for (const [rpc, rules] of table.byRpc) {
      const backoff = rules.backoff;
      this.byRpc.set(rpc, {
        limits: rules.limits.map(counted),
        backoff:
          backoff === undefined
            ? undefined
            : {
                rule: backoff,
                attempts: store.limiter(backoff.name, { points: Number.MAX_SAFE_INTEGER, seconds: backoff.windowSeconds }),
                lock: store.limiter(`${backoff.name}_lock`, { points: 1, seconds: backoff.maxSeconds }),
              },
      });
    }
  }

  /** Counts the call against its limits; throws RateLimited when one is exceeded. */
  async admit(call: Call): Promise<Attempt> {
    const rpc = this.byRpc.get(call.rpc);
    await this.count(call, [...this.everyRpc, ...(rpc?.limits ?? [])]);
    return rpc?.backoff === undefined ? NO_BACKOFF : this.begin(call, rpc.backoff);
  }

  /**
   * Every limit counts the call (in parallel); the longest wait among those
   * exceeded is the answer. A flood is logged once per key and window (its
   * first refused call), not once per refused call; each refused call still
   * shows in the request log and metrics as resource_exhausted.
   */
  private async count(call: Call, limits: Counted[]): Promise<void> {
    const results = await Promise.allSettled(limits.map(({ rule, limiter }) => limiter.consume(keyOf(rule.per, call))));
    let refused: { rule: LimitRule; waitMs: number; first: boolean } | undefined;
    results.forEach((result, i) => {
      if (result.status === "fulfilled") return;
      const rule = limits[i]!.rule;
      const waitMs = refusal(result.reason);
      const first = (result.reason as RateLimiterRes).consumedPoints === rule.limit.points + 1;
      if (refused === undefined || waitMs > refused.waitMs) refused = { rule, waitMs, first };
    });
    if (refused === undefined) return;
    if (refused.first) {
      const subject = subjectOf(refused.rule.per, call);
      this.event(call, "excess_rate_limit_exceeded", { limit: refused.rule.name, subject, retryAfterMs: refused.waitMs });
      this.record(call, subject);
    }
    throw new RateLimited(refused.waitMs, "limit");
  }

  private async begin(call: Call, backoff: Backoff): Promise<Attempt> {
    const { rule, attempts, lock } = backoff;
    const key = keyOf(rule.per, call);
    const number = (await attempts.penalty(key)).consumedPoints;
    let holdsLock = false;
    if (number > rule.freeFailures) {
      try {
        await lock.consume(key, 1, { customDuration: Math.max(backoffSeconds(rule, number), IN_FLIGHT_SECONDS) });
        holdsLock = true;
      } catch (error) {
        await attempts.reward(key);
        const waitMs = refusal(error);
        this.event(call, "excess_rate_limit_exceeded", { limit: rule.name, subject: subjectOf(rule.per, call), retryAfterMs: waitMs });
        throw new RateLimited(waitMs, "backoff");
      }
    }
    return {
      settle: (error) =>
        this.settle(backoff, key, call, number, holdsLock, error).catch((cause: unknown) => {
          // The call itself is over; a bookkeeping failure must not change its answer.
          this.log.error({ err: cause, requestId: call.requestId }, "recording the outcome of an attempt failed");
        }),
    };
  }

  /** Records how attempt `number` ended: a success clears the run, a failure may start or lengthen the wait. */
  private async settle(backoff: Backoff, key: string, call: Call, number: number, holdsLock: boolean, error: unknown) {
    const { rule, attempts, lock } = backoff;
    if (error === undefined) {
      // Success: the run is over.
      await Promise.all([attempts.delete(key), lock.delete(key)]);
    } else if (rule.isFailure(error)) {
      const waitSeconds = backoffSeconds(rule, number);
      this.event(call, rule.events.failure, { subject: subjectOf(rule.per, call), consecutiveFailures: number });
      if (waitSeconds > 0) {
        await lock.block(key, waitSeconds);
        const subject = subjectOf(rule.per, call);
        this.event(call, rule.events.lock, { subject, consecutiveFailures: number, waitSeconds });
        // The refusals during the wait are not recorded one by one: this row stands for them.
        this.record(call, subject);
      } else if (holdsLock) {
        await lock.delete(key);
      }
    } else {
      // Neither a success nor a failure (invalid input, an outage): as if it never happened.
      await attempts.reward(key);
      if (holdsLock) await lock.delete(key);
    }
  }

  /** A block for the security log: the account's when the limit counts per email address. */
  private record(call: Call, subject: Record<string, string>): void {
    this.blocked.record({
      origin: { clientAddress: call.address, userAgent: call.userAgent, requestId: call.requestId },
      email: subject.email,
    });
  }

  private event(call: Call, event: string, fields: Record<string, unknown>): void {
    this.log.warn({ event, rpc: call.rpc, client: call.address, requestId: call.requestId, ...fields }, event);
  }
}

/** The wait a refusal asks for. Store errors never get here (insurance answers instead): anything else is a bug. */
function refusal(reason: unknown): number {
  if (reason instanceof RateLimiterRes) return Math.max(reason.msBeforeNext, 1);
  throw reason;
}

// The vocabulary of the limit table (rpc-limits.ts): what a count is kept
// per, fixed-window limits, and failure backoff.
import { createHash } from "node:crypto";
import type { Limit } from "../config.js";
import { addressKey } from "./client-address.js";

/** One call, as the limits see it. */
export interface Call {
  /** "auth.v1.AuthService/Login" */
  rpc: string;
  /** The client's address (see client-address.ts). */
  address: string;
  /** The User-Agent header, "" when absent (recorded with security events). */
  userAgent: string;
  requestId: string;
  /** A string field of the request message by its proto name; "" when absent. */
  field(name: string): string;
}

/** One component of a counter's key. */
export interface KeyPart {
  /** For logs: "address", "email". */
  name: string;
  /** The readable value (logged in security events). */
  value(call: Call): string;
  /** The value as stored in a key: short, and no personal data in the limiter's store. */
  key(call: Call): string;
}

/** The client's address; IPv6 counted per /64. */
export const address: KeyPart = {
  name: "address",
  value: (call) => call.address,
  key: (call) => addressKey(call.address),
};

/** A request field, normalised by `normalise`, stored as a hash. */
export function field(name: string, normalise: (value: string) => string = (v) => v): KeyPart {
  // Logged values are capped: the limiter sees requests before validation does.
  const value = (call: Call) => normalise(call.field(name)).slice(0, 254);
  return {
    name,
    value,
    key: (call) => createHash("sha256").update(normalise(call.field(name))).digest("base64url").slice(0, 22),
  };
}

/** At most `limit.points` calls per window, counted per the key parts. */
export interface LimitRule {
  /** Stable: it namespaces the counters and names the limit in security events. */
  name: string;
  per: readonly KeyPart[];
  limit: Limit;
}

/**
 * Consecutive failures per key slow further attempts down: the first
 * `freeFailures` cost nothing, then each failure makes the next attempt wait
 * twice as long, from `initialSeconds` up to `maxSeconds`. A success clears
 * the count; a run of failures is forgotten `windowSeconds` after it started.
 */
export interface BackoffRule {
  name: string;
  per: readonly KeyPart[];
  freeFailures: number;
  initialSeconds: number;
  maxSeconds: number;
  windowSeconds: number;
  /** Which errors of the RPC are failures; other errors neither count nor clear. */
  isFailure(error: unknown): boolean;
  /** Security event names for a failure and for the start or growth of a wait. */
  events: { failure: string; lock: string };
}

export interface RpcRules {
  limits: readonly LimitRule[];
  backoff?: BackoffRule;
}

export interface LimitTable {
  /** Counted on every RPC, before the RPC's own rules. */
  everyRpc: readonly LimitRule[];
  byRpc: ReadonlyMap<string, RpcRules>;
}

export function keyOf(parts: readonly KeyPart[], call: Call): string {
  return parts.map((part) => part.key(call)).join("|");
}

export function subjectOf(parts: readonly KeyPart[], call: Call): Record<string, string> {
  return Object.fromEntries(parts.map((part) => [part.name, part.value(call)]));
}

/** The wait after the `failures`-th consecutive failure, in seconds (0 while still free). */
export function backoffSeconds(rule: BackoffRule, failures: number): number {
  if (failures < rule.freeFailures) return 0;
  return Math.min(rule.initialSeconds * 2 ** (failures - rule.freeFailures), rule.maxSeconds);
}

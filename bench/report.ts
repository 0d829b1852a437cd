// The results: one row per measurement, the targets as ratios of rows, and a
// plain-text table for the terminal.
import type { LoadResult } from "./load.js";

export interface Row extends LoadResult {
  name: string;
  /** Concurrent connections (HTTP/1.1) or streams (HTTP/2). */
  concurrency: number;
  /** Server CPU milliseconds per answer (user + system, all threads). */
  cpuMsPerRequest: number;
  /** The service's mean resident memory while the scenario ran (not sampled for the baseline). */
  rssMiB?: number;
}

export interface Check {
  target: string;
  value: string;
  /** Undefined for a figure reported for information, with no target to meet. */
  met: boolean | undefined;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ["scenario", "conc", "req/s", "ok/s", "p50 ms", "p99 ms", "errors", "cpu ms/req", "rss MiB"];
  const lines = rows.map((r) => [
    r.name,
    String(r.concurrency),
    r.rps.toFixed(r.rps < 100 ? 1 : 0),
    r.okRps.toFixed(r.okRps < 100 ? 1 : 0),
    fmt(r.p50),
    fmt(r.p99),
    String(r.errors),
    r.cpuMsPerRequest.toFixed(3),
    r.rssMiB === undefined ? "-" : r.rssMiB.toFixed(0),
  ]);
  return align([header, ...lines]);
}

export function formatChecks(checks: readonly Check[]): string {
  return align([["target", "measured", ""], ...checks.map((c) => [c.target, c.value, c.met === undefined ? "info" : c.met ? "met" : "NOT MET"])]);
}

function fmt(ms: number): string {
  return Number.isNaN(ms) ? "-" : ms < 10 ? ms.toFixed(2) : ms.toFixed(0);
}

function align(table: string[][]): string {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "))
    .join("\n");
}

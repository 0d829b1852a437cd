// Load generators behind one result shape: autocannon (npm) for HTTP/1.1
// REST and Connect, h2load (Debian nghttp2-client) for gRPC and Connect over
// cleartext HTTP/2. Both run closed loops: each connection (stream) sends
// its next request when the previous answer arrives.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

export interface LoadResult {
  requests: number;
  seconds: number;
  /** Every answer per second, and successful (2xx) answers per second. */
  rps: number;
  okRps: number;
  /** Latency of successful answers, in milliseconds. */
  p50: number;
  p99: number;
  /** Socket errors, timeouts and non-2xx answers. */
  errors: number;
  /** Answers by HTTP status (for h2load: the HTTP status, not grpc-status). */
  statuses: Record<string, number>;
}

export interface HttpRequest {
  method: "GET" | "POST" | "PUT";
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface AutocannonLoad {
  url: string;
  connections: number;
  seconds: number;
  /** Cycled through in order by every connection. */
  requests?: HttpRequest[];
  /** Builds each request afresh (e.g. a unique registration); used instead of `requests`. */
  next?: () => HttpRequest;
}

export async function runAutocannon(load: AutocannonLoad): Promise<LoadResult> {
  const requests = load.next
    ? [{ setupRequest: (req: object) => ({ ...req, ...load.next!() }) }]
    : (load.requests ?? []).map((r) => ({ ...r }));
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.seconds,
    // autocannon's default of 10 s would turn a queue into "timeouts".
    timeout: 30,
    requests: requests as autocannon.Request[],
  });
  const statuses: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = stat.count ?? 0;
  const seconds = result.duration;
  return {
    requests: result.requests.total,
    seconds,
    rps: result.requests.total / seconds,
    okRps: result["2xx"] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    statuses,
  };
}

export interface H2Load {
  url: string;
  /** Connections, each with `streams` concurrent requests. */
  connections: number;
  streams: number;
  seconds: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Runs h2load over h2c; latency percentiles come from its per-request log. */
export async function runH2load(load: H2Load): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "auth-bench-h2load-"));
  try {
    const bodyFile = join(dir, "body");
    const logFile = join(dir, "log");
    writeFileSync(bodyFile, load.body);
    const args = [
      "-c", String(load.connections),
      "-m", String(load.streams),
      "-t", "1",
      "-D", String(load.seconds),
      "-d", bodyFile,
      "--log-file", logFile,
      ...Object.entries(load.headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
      load.url,
    ];
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile("h2load", args, { maxBuffer: 16 * 1024 * 1024 }, (error, out, err) =>
        error ? reject(new Error(`h2load failed: ${error.message}\n${err}`)) : resolve(out),
      ),
    );
    // Log lines: start time (µs since epoch), HTTP status, elapsed µs.
    const lines = readFileSync(logFile, "utf8").trim().split("\n").filter(Boolean);
    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    for (const line of lines) {
      const [, status, elapsed] = line.split("\t");
      statuses[status!] = (statuses[status!] ?? 0) + 1;
      if (status === "200") latencies.push(Number(elapsed) / 1000);
    }
    latencies.sort((a, b) => a - b);
    // "failed" counts non-2xx answers and transport errors ("errored" is a subset of it).
    const failed = /requests: .*?(\d+) failed, \d+ errored, (\d+) timeout/.exec(stdout);
    return {
      requests: lines.length,
      seconds: load.seconds,
      rps: lines.length / load.seconds,
      okRps: latencies.length / load.seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      errors: failed ? Number(failed[1]) + Number(failed[2]) : lines.length - latencies.length,
      statuses,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

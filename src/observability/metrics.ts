// Prometheus metrics (prom-client): RPC counts and latencies by RPC, protocol
// and code, bcrypt work in flight, database pool use, and the default process
// metrics (CPU, memory, GC, event-loop lag).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  /** Records one finished RPC. */
  observeRpc(labels: { rpc: string; protocol: string; code: string }, seconds: number): void;
  /** Publishes a value read at scrape time (pool sizes, work in flight). */
  gauge(name: string, help: string, read: () => number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const requests = new Counter({
    name: "auth_rpc_requests_total",
    help: "RPCs handled, by RPC, protocol (grpc, grpc-web, connect, connect-get, rest) and code.",
    labelNames: ["rpc", "protocol", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "auth_rpc_duration_seconds",
    help: "RPC latency from the first interceptor to the response, by RPC and protocol.",
    labelNames: ["rpc", "protocol"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    observeRpc: (labels, seconds) => {
      requests.inc(labels);
      duration.observe({ rpc: labels.rpc, protocol: labels.protocol }, seconds);
    },
    gauge: (name, help, read) => {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
  };
}

// The monitor's own promises, with a ping we control: probes cannot multiply
// database load, a hung database counts as down, shutdown is final.
import { describe, expect, it } from "vitest";
import { HealthMonitor } from "../../src/server/health/health-monitor.js";
import { createLogger } from "../../src/logger.js";

const log = createLogger({ level: "silent" });

describe("HealthMonitor", () => {
  it("shares one ping among concurrent checks, and reuses a fresh answer", async () => {
    let pings = 0;
    const monitor = new HealthMonitor({ ping: async () => void pings++, intervalMs: 60_000, timeoutMs: 1_000, log });
    const answers = await Promise.all(Array.from({ length: 50 }, () => monitor.check()));
    expect(new Set(answers)).toEqual(new Set(["SERVING"]));
    expect(await monitor.check()).toBe("SERVING");
    expect(pings).toBe(1);
  });

  it("counts a ping that never answers as NOT_SERVING", async () => {
    const monitor = new HealthMonitor({ ping: () => new Promise(() => undefined), intervalMs: 60_000, timeoutMs: 20, log });
    expect(await monitor.check()).toBe("NOT_SERVING");
  });

  it("counts a failing ping as NOT_SERVING", async () => {
    const monitor = new HealthMonitor({ ping: () => Promise.reject(new Error("refused")), intervalMs: 60_000, timeoutMs: 1_000, log });
    expect(await monitor.check()).toBe("NOT_SERVING");
  });

  it("stays NOT_SERVING after shutdown even though the database answers, and ends watchers", async () => {
    const monitor = new HealthMonitor({ ping: async () => undefined, intervalMs: 60_000, timeoutMs: 1_000, log });
    const watched: string[] = [];
    const watching = (async () => {
      for await (const status of monitor.watch(new AbortController().signal)) {
        watched.push(status);
        if (watched.length === 1) monitor.shutdown();
      }
    })();
    await watching;
    expect(watched).toEqual(["SERVING", "NOT_SERVING"]);
    expect(await monitor.check()).toBe("NOT_SERVING");
  });
});

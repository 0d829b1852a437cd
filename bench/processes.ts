// Child processes under test (the service, the raw baseline, the bcrypt
// probe): started on their own so their CPU time and memory can be read from
// /proc, apart from the load generator's.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

export interface Started {
  child: ChildProcess;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export function startNode(
  args: string[],
  env: Record<string, string>,
  /** Ready when the output matches `ready`, or when `port` accepts connections. */
  options: { ready: RegExp | { port: number }; timeoutMs?: number },
): Promise<Started & { readyMs: number }> {
  const began = performance.now();
  // TypeScript (the harness's own helpers) goes through tsx; the service runs compiled, as `npm start` runs it.
  const loader = args.some((a) => a.endsWith(".ts")) ? ["--import", "tsx"] : [];
  const child = spawn(process.execPath, [...loader, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    // Keep the tail only: a chatty child must not grow the harness's memory.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started: Started = {
    child,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void started.stop();
      reject(new Error(`${args.join(" ")} not ready after ${options.timeoutMs ?? 30_000} ms:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const done = () => {
      clearTimeout(timer);
      resolve({ ...started, readyMs: performance.now() - began });
    };
    const ready = options.ready;
    if (ready instanceof RegExp) {
      const check = () => {
        if (!ready.test(output)) return;
        child.stdout!.off("data", check);
        child.stderr!.off("data", check);
        done();
      };
      child.stdout!.on("data", check);
      child.stderr!.on("data", check);
    } else {
      const probe = () => {
        if (child.exitCode !== null) return;
        const socket = connect(ready.port, "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          done();
        });
        socket.once("error", () => setTimeout(probe, 50));
      };
      probe();
    }
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** User + system CPU seconds a process has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * Resolves once the process has used under 5% of a core for two polls in a
 * row (half a second by default): work a previous scenario left queued
 * (password hashes outlive the load generator's connections) must not count
 * against the next one. Read scenarios leave nothing queued and poll faster.
 */
export async function waitIdle(pid: number, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const { pollMs = 250, timeoutMs = 60_000 } = options;
  const deadline = performance.now() + timeoutMs;
  let quiet = 0;
  let last = cpuSeconds(pid);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const now = cpuSeconds(pid);
    quiet = now - last < (0.05 * pollMs) / 1000 ? quiet + 1 : 0;
    last = now;
    if (quiet >= 2) return;
  }
  throw new Error(`process ${pid} still busy after ${timeoutMs} ms`);
}

/** Resident set size in MiB. */
export function rssMiB(pid: number): number {
  const statm = readFileSync(`/proc/${pid}/statm`, "utf8").split(" ");
  return (Number(statm[1]) * PAGE_SIZE) / (1024 * 1024);
}

/** Samples a process's RSS every `everyMs` until stopped. */
export function sampleMemory(pid: number, everyMs = 1_000) {
  const samples: { atS: number; rssMiB: number }[] = [];
  const began = performance.now();
  const take = () => {
    try {
      samples.push({ atS: (performance.now() - began) / 1000, rssMiB: rssMiB(pid) });
    } catch {
      // The process has gone: nothing more to sample.
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    samples,
    /** Seconds since sampling began, on the samples' clock. */
    elapsed: () => (performance.now() - began) / 1000,
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

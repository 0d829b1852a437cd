// Whether the Redis tests can run here: the machine's Redis at 127.0.0.1:6379
// and the redis-server program. CI has both and must run them; elsewhere they
// are skipped when missing.
import { spawnSync } from "node:child_process";
import { connect } from "node:net";

export const MACHINE_REDIS = "redis://127.0.0.1:6379";

export function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const required = process.env.CI !== undefined && process.env.CI !== "";
export const skipMachineRedis = !required && !(await canConnect(6379));
export const skipRedisServer = !required && spawnSync("redis-server", ["--version"]).status !== 0;

// Runs `buf curl` (a Go client, shipped in the @bufbuild/buf package) the way
// a user would: schema from server reflection only, never from our protos.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const buf = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));

export interface BufCurlResult {
  /** buf curl's exit code: 0, below 8 for usage errors, or the RPC's gRPC code << 3. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function bufCurl(args: readonly string[]): Promise<BufCurlResult> {
  return new Promise((resolve, reject) => {
    // An empty working directory would do: buf curl must not need a buf.yaml or protos.
    execFile(buf, ["curl", ...args], { timeout: 30_000, cwd: "/" }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") return reject(error);
      resolve({ exitCode: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
    });
  });
}

/** Runs a unary call and parses its JSON answer; throws with buf curl's output when it fails. */
export async function bufCurlJson<T = Record<string, any>>(args: readonly string[]): Promise<T> {
  const result = await bufCurl(args);
  if (result.exitCode !== 0) throw new Error(`buf curl ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

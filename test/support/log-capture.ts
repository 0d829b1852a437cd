// The service's log as a test reads it: every line the server writes, kept
// in memory. Pass `stream` as startTestServer's logDestination.
import { Writable } from "node:stream";

export interface LogCapture {
  stream: Writable;
  /** Everything written so far. */
  text(): string;
  /** Every line written so far, parsed (pino writes one JSON object per line). */
  lines(): Record<string, unknown>[];
}

export function captureLog(): LogCapture {
  let text = "";
  const stream = new Writable({
    write(chunk, _, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

// Slowloris and oversized headers: the server drops clients that dribble,
// while others are served.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { restDoor } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ HTTP_HEADERS_TIMEOUT_MS: "500" });
});
afterAll(() => t?.close());

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(t.port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

/** Resolves with what the server sent once it closes the connection (or rejects after `ms`). */
function closedWithin(socket: Socket, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    socket.on("data", (d) => (received += d));
    const timer = setTimeout(() => reject(new Error("the server kept the connection open")), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

it("drops a client that sends nothing", async () => {
  const socket = await open();
  await expect(closedWithin(socket, 15_000)).resolves.toBe("");
});

it("drops a client that never finishes its headers (slowloris), while others are served", async () => {
  const slow = await open();
  slow.write("POST /login HTTP/1.1\r\nHost: localhost\r\n");
  const drip = setInterval(() => slow.write("X-a: b\r\n"), 100);
  try {
    // Listen for the close before anything else: on a slow machine it may come first.
    const closed = closedWithin(slow, 15_000);
    await restDoor(t.baseUrl).register(newAccount());
    const answer = await closed;
    expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
  } finally {
    clearInterval(drip);
    slow.destroy();
  }
});

it("answers 431 to headers over 16 KiB", async () => {
  const res = await fetch(`${t.baseUrl}/profile/x`, { headers: { "x-big": "a".repeat(64 * 1024) } });
  expect(res.status).toBe(431);
});

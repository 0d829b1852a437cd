import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

it("exposes RPC counts by RPC, protocol and code, latency histograms, pool, bcrypt and process metrics", async () => {
  const [grpc, , , , , rest] = doors(t.baseUrl);
  const account = newAccount();
  await rest!.register(account);
  await grpc!.login(account);
  await failure(grpc!.login({ email: account.email, password: "definitely wrong" }));

  const res = await fetch(`${t.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const text = await res.text();
  expect(text).toContain('auth_rpc_requests_total{rpc="auth.v1.AuthService/Register",protocol="rest",code="ok"} 1');
  expect(text).toContain('auth_rpc_requests_total{rpc="auth.v1.AuthService/Login",protocol="grpc",code="ok"} 1');
  expect(text).toContain('auth_rpc_requests_total{rpc="auth.v1.AuthService/Login",protocol="grpc",code="unauthenticated"} 1');
  expect(text).toMatch(/auth_rpc_duration_seconds_count\{rpc="auth.v1.AuthService\/Login",protocol="grpc"\} 2/);
  for (const name of ["auth_bcrypt_in_flight 0", "auth_bcrypt_queued 0", "auth_db_pool_used", "auth_db_pool_pending_acquires", "nodejs_eventloop_lag_seconds", "process_resident_memory_bytes"]) {
    expect(text).toContain(name);
  }
});

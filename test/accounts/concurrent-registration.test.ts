import { afterAll, beforeAll, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { newAccount } from "../support/fixtures.js";

let t: TestServer;
beforeAll(async () => {
  // Room for all 20 hashes at once: the default queue (8 per thread) refuses
  // some on a 2-core machine, and this test is about uniqueness, not load.
  t = await startTestServer({ PASSWORD_HASH_MAX_QUEUE: "64" });
});
afterAll(() => t?.close());

it("when 20 registrations of one email race, exactly one succeeds and the rest get already_exists", async () => {
  const client = createClient(AuthService, createGrpcTransport({ baseUrl: t.baseUrl }));
  const email = newAccount().email;
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, () => client.register({ ...newAccount(), email: email.toUpperCase() })),
  );
  const ok = results.filter((r) => r.status === "fulfilled");
  const codes = results.flatMap((r) => (r.status === "rejected" ? [ConnectError.from(r.reason).code] : []));
  expect(ok).toHaveLength(1);
  expect(codes).toEqual(Array(19).fill(Code.AlreadyExists));
  const rows = await t.sql("select id from users where email = $1", [email]);
  expect(rows).toHaveLength(1);
});

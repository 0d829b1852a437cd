// The interceptor chain's order is behaviour: who may learn what, and what is logged.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog();
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ LOG_LEVEL: "info" }, undefined, { logDestination: log.stream });
});
afterAll(() => t?.close());

it("authenticates before validating: a stranger learns nothing about the input rules", async () => {
  const [grpc] = doors(t.baseUrl);
  const err = await failure(grpc!.getProfile("not-a-uuid"));
  expect(err.code).toBe(Code.Unauthenticated);
});

it("logs the final code of every call, including refused and failed ones", async () => {
  const [grpc] = doors(t.baseUrl);
  const account = newAccount();
  await grpc!.register(account);
  await failure(grpc!.login({ email: account.email, password: "not the password at all" }));
  await failure(grpc!.register({ ...account, email: "broken" }));
  await failure(grpc!.getProfile("not-a-uuid"));
  const codes = log.lines().filter((l) => l.msg === "rpc").map((l) => [l.rpc, l.code]);
  expect(codes).toEqual(
    expect.arrayContaining([
      ["auth.v1.AuthService/Register", "ok"],
      ["auth.v1.AuthService/Login", "unauthenticated"],
      ["auth.v1.AuthService/Register", "invalid_argument"],
      ["auth.v1.ProfileService/GetProfile", "unauthenticated"],
    ]),
  );
});

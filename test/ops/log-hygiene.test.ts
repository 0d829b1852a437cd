// Logs carry what operators need and nothing an attacker wants: a full
// session at trace level, failures included, leaves no password, hash or
// token in the log, and an unexpected failure is findable by its request id.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { doors, failure } from "../support/doors.js";
import { newAccount } from "../support/fixtures.js";
import { captureLog } from "../support/log-capture.js";

const captured = captureLog();
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ LOG_LEVEL: "trace" }, undefined, { logDestination: captured.stream });
});
afterAll(() => t?.close());

it("never logs a password, hash, token or authorization header, on any door, in success or failure", async () => {
  const secrets: string[] = [];
  for (const door of doors(t.baseUrl)) {
    const account = { ...newAccount(), password: `canary-password-${door.name.length}-${Math.random()}` };
    secrets.push(account.password);
    const { id } = await door.register(account);
    const { accessToken } = await door.login(account);
    secrets.push(accessToken);
    await door.getProfile(id, accessToken);
    const newPassword = `canary-new-password-${Math.random()}`;
    secrets.push(newPassword);
    await door.updateProfile({ id, password: newPassword }, accessToken);
    await failure(door.login({ email: account.email, password: `${account.password}-wrong` }));
    await failure(door.register({ ...newAccount(), password: "canary" }));
    await failure(door.getProfile(id, `${accessToken}x`));
  }
  const hashes = await t.sql<{ password_hash: string }>("select password_hash from users");
  const log = captured.text();
  expect(log).toContain('"msg":"rpc"');
  for (const secret of [...secrets, ...hashes.map((h) => h.password_hash)]) expect(log).not.toContain(secret);
  expect(log).not.toMatch(/\$2[aby]\$\d\d\$|eyJ[\w-]+\.eyJ|bearer /i);
});

it("turns an unexpected failure into internal with a request id, logged with its cause", async () => {
  await t.sql(`create function refuse() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`);
  await t.sql("create trigger refuse_inserts before insert on users for each row execute function refuse()");
  try {
    const rest = doors(t.baseUrl).at(-1)!;
    const err = await failure(rest.register(newAccount()));
    expect(err.code).toBe(Code.Internal);
    expect(err.status).toBe(500);
    const requestId = /request id ([\w-]+)/.exec(err.message)?.[1];
    expect(requestId).toBeDefined();
    expect(err.message).not.toContain("injected fault");
    const entry = captured.lines().find((l) => l.requestId === requestId && l.msg === "request failed") as
      | { err?: { stack?: string } }
      | undefined;
    expect(entry?.err?.stack).toContain("injected fault");
  } finally {
    await t.sql("drop trigger refuse_inserts on users");
  }
  // The process carries on serving.
  await doors(t.baseUrl)[0]!.register(newAccount());
});

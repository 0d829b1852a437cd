// TK-08: refresh-token rotation under concurrency, against real PostgreSQL
// and two server instances on one database. One-time secrets race under READ
// COMMITTED when the code reads and then writes without a lock (Kratos
// HackerOne #3692149); here the session row is locked, so:
// - within the grace window, 16 concurrent refreshes of one token all get the
//   same successor and the session lives on;
// - with the grace window off, exactly one wins and the rest end the family.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import jwt from "jsonwebtoken";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { startPeerServer, startTestServer, type TestServer } from "../support/test-server.js";
import { newAccount } from "../support/fixtures.js";
import { captureLog } from "../support/log-capture.js";

const CONCURRENT = 16;

async function signIn(client: Client<typeof AuthService>) {
  const account = newAccount();
  await client.register(account);
  return client.login(account);
}

const familyRows = (t: TestServer, sessionId: string) =>
  t.sql<{ spent: boolean }>("select spent_at is not null as spent from refresh_tokens where session_id = $1", [sessionId]);
const sessionOf = (accessToken: string) => (jwt.decode(accessToken) as { sid: string }).sid;

describe("with the default grace window", () => {
  let t: TestServer;
  let peer: Awaited<ReturnType<typeof startPeerServer>>;
  const log = captureLog();
  let clock = Date.now();
  beforeAll(async () => {
    t = await startTestServer({ LOG_LEVEL: "info" }, () => clock, { logDestination: log.stream });
    peer = await startPeerServer(t, () => clock);
  });
  afterAll(async () => {
    await peer?.close();
    await t?.close();
  });

  it(`${CONCURRENT} concurrent refreshes of one token over two instances all get the same successor, and the session lives on`, async () => {
    const clients = [t.baseUrl, peer.baseUrl].map((baseUrl) => createClient(AuthService, createGrpcTransport({ baseUrl })));
    const { refreshToken, accessToken } = await signIn(clients[0]!);
    const results = await Promise.allSettled(
      Array.from({ length: CONCURRENT }, (_, i) => clients[i % 2]!.refresh({ refreshToken })),
    );
    const failures = results.flatMap((r) => (r.status === "rejected" ? [ConnectError.from(r.reason).rawMessage] : []));
    expect(failures).toEqual([]);
    const successors = new Set(results.map((r) => (r as PromiseFulfilledResult<{ refreshToken: string }>).value.refreshToken));
    expect(successors.size).toBe(1);

    const sessionId = sessionOf(accessToken);
    const rows = await familyRows(t, sessionId);
    expect(rows.filter((r) => !r.spent)).toHaveLength(1);
    expect(rows).toHaveLength(2);
    const [session] = await t.sql<{ revoked_at: Date | null }>("select revoked_at from sessions where id = $1", [sessionId]);
    expect(session?.revoked_at).toBeNull();
    expect(log.text()).not.toContain("authn_token_reuse");
    // The one successor carries on, on either instance.
    await clients[1]!.refresh({ refreshToken: [...successors][0]! });
  });

  it("logs a reuse as the security event authn_token_reuse, with the session and without the token", async () => {
    const client = createClient(AuthService, createGrpcTransport({ baseUrl: t.baseUrl }));
    const { refreshToken, accessToken } = await signIn(client);
    await client.refresh({ refreshToken });
    clock += 6_000;
    await expect(client.refresh({ refreshToken })).rejects.toThrow("refresh token already used");

    const events = log.lines().filter((line) => line.event === "authn_token_reuse");
    expect(events).toEqual([
      expect.objectContaining({ level: 40, event: "authn_token_reuse", sessionId: sessionOf(accessToken), client: expect.stringMatching(/127\.0\.0\.1$/) }),
    ]);
    expect(log.text()).not.toContain(refreshToken);
  });
});

describe("with the grace window off", () => {
  let t: TestServer;
  let behind: Awaited<ReturnType<typeof startPeerServer>>;
  beforeAll(async () => {
    t = await startTestServer({ REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0" });
    // A second instance whose clock runs a second behind the first.
    behind = await startPeerServer(t, () => Date.now() - 1_000);
  });
  afterAll(async () => {
    await behind?.close();
    await t?.close();
  });

  it("treats a second use as reuse even on an instance whose clock is behind", async () => {
    const ahead = createClient(AuthService, createGrpcTransport({ baseUrl: t.baseUrl }));
    const late = createClient(AuthService, createGrpcTransport({ baseUrl: behind.baseUrl }));
    const { refreshToken } = await signIn(ahead);
    await ahead.refresh({ refreshToken });
    const err = await late.refresh({ refreshToken }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason).toBe("ERROR_REASON_REFRESH_TOKEN_REUSED");
  });

  it(`exactly one of ${CONCURRENT} concurrent refreshes wins; the next is reuse and ends the family`, async () => {
    const client = createClient(AuthService, createGrpcTransport({ baseUrl: t.baseUrl }));
    const { refreshToken, accessToken } = await signIn(client);
    const results = await Promise.allSettled(Array.from({ length: CONCURRENT }, () => client.refresh({ refreshToken })));
    const won = results.filter((r) => r.status === "fulfilled");
    const reasons = results.flatMap((r) =>
      r.status === "rejected" ? [ConnectError.from(r.reason).findDetails(ErrorInfoSchema)[0]?.reason] : [],
    );
    expect(won).toHaveLength(1);
    // The first loser ends the family; the ones after it find it ended.
    expect(reasons.sort()).toEqual([
      "ERROR_REASON_REFRESH_TOKEN_REUSED",
      ...Array(CONCURRENT - 2).fill("ERROR_REASON_SESSION_REVOKED"),
    ]);
    const rows = await familyRows(t, sessionOf(accessToken));
    expect(rows).toHaveLength(2);
    const winner = (won[0] as PromiseFulfilledResult<{ refreshToken: string }>).value.refreshToken;
    const err = await client.refresh({ refreshToken: winner }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.Unauthenticated });
  });
});

// The browser's refresh token in a cookie no script can read (SECURITY.md
// TK-10): asked for at Login, read by Refresh when the body has no token,
// rotated on every use, cleared by Logout and LogoutAll; over Connect and
// REST, with the trace-level log free of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { newAccount } from "../support/fixtures.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog();
let t: TestServer;
beforeAll(async () => {
  // No grace window: a second use of a refresh token is reuse at once.
  t = await startTestServer({ LOG_LEVEL: "trace", REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0" }, undefined, { logDestination: log.stream });
});
afterAll(() => t?.close());

const ATTRIBUTES = "Path=/; HttpOnly; Secure; SameSite=Strict";
const COOKIE = /^__Host-refresh_token=([A-Za-z0-9_-]{43}); Path=\/; HttpOnly; Secure; SameSite=Strict$/;

interface Answer {
  status: number;
  body: Record<string, any>;
  setCookies: string[];
}

/** A Connect JSON call, as connect-web makes it from the console. */
async function connect(method: string, body: object, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${t.baseUrl}/auth.v1.AuthService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, setCookies: res.headers.getSetCookie() };
}

async function rest(path: string, body: object, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, setCookies: res.headers.getSetCookie() };
}

const tokenIn = (answer: Answer) => COOKIE.exec(answer.setCookies[0] ?? "")?.[1];
const cookieHeader = (token: string) => ({ cookie: `theme=dark; __Host-refresh_token=${token}` });
const bearer = (accessToken: string) => ({ authorization: `Bearer ${accessToken}` });

async function signedInWithCookie() {
  const account = newAccount();
  expect((await rest("/register", account)).status).toBe(200);
  const answer = await connect("Login", { email: account.email, password: account.password, refreshTokenCookie: true });
  expect(answer.status).toBe(200);
  return { account, answer, token: tokenIn(answer)! };
}

describe("over Connect", () => {
  it("puts the refresh token only in a __Host- cookie when Login asks for it", async () => {
    const { answer, token } = await signedInWithCookie();
    expect(answer.setCookies).toHaveLength(1);
    expect(answer.setCookies[0]).toMatch(COOKIE);
    // A session cookie: no Max-Age or Expires, and no Domain (the __Host- prefix forbids one).
    expect(answer.setCookies[0]).not.toMatch(/Max-Age|Expires|Domain/i);
    expect(answer.body.refreshToken ?? "").toBe("");
    expect(answer.body.accessToken).toMatch(/^eyJ/);
    expect(answer.body.refreshExpiresIn).toBeGreaterThan(0);
    expect(token).toBeDefined();
  });

  it("keeps the token in the answer, and sets no cookie, when Login does not ask", async () => {
    const account = newAccount();
    await rest("/register", account);
    const answer = await connect("Login", { email: account.email, password: account.password });
    expect(answer.setCookies).toEqual([]);
    expect(answer.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("refreshes from the cookie, rotates it, and treats the spent one as reuse", async () => {
    const { token } = await signedInWithCookie();
    const next = await connect("Refresh", {}, cookieHeader(token));
    expect(next.status).toBe(200);
    expect(next.body.refreshToken ?? "").toBe("");
    const rotated = tokenIn(next)!;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(token);
    expect((await connect("Refresh", {}, cookieHeader(rotated))).status).toBe(200);

    const reused = await connect("Refresh", {}, cookieHeader(token));
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({
      code: "unauthenticated",
      message: "refresh token already used: the session has been ended for safety, sign in again",
    });
    expect(reused.setCookies).toEqual([]);
  });

  it("uses a token in the body before the cookie, and answers it in the body", async () => {
    const { account, token } = await signedInWithCookie();
    const other = await connect("Login", { email: account.email, password: account.password });
    const answer = await connect("Refresh", { refreshToken: other.body.refreshToken }, cookieHeader(token));
    expect(answer.status).toBe(200);
    expect(answer.setCookies).toEqual([]);
    expect(answer.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The cookie's token was not touched.
    expect((await connect("Refresh", {}, cookieHeader(token))).status).toBe(200);
  });

  it("without a token in the body or a cookie: invalid_argument on refresh_token, and nothing written", async () => {
    const [before] = await t.sql<{ n: string }>("select count(*) as n from refresh_tokens");
    for (const headers of [{}, { cookie: "theme=dark" }, { cookie: "__Host-refresh_token=" }] as Record<string, string>[]) {
      const answer = await connect("Refresh", {}, headers);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: "invalid_argument", message: "invalid request: refresh token is required" });
    }
    const [after] = await t.sql<{ n: string }>("select count(*) as n from refresh_tokens");
    expect(after!.n).toBe(before!.n);
  });

  it("clears the cookie on Logout and LogoutAll, which end its session", async () => {
    for (const method of ["Logout", "LogoutAll"]) {
      const { answer, token } = await signedInWithCookie();
      const out = await connect(method, {}, { ...bearer(answer.body.accessToken), ...cookieHeader(token) });
      expect(out.status).toBe(200);
      expect(out.setCookies).toEqual([`__Host-refresh_token=; Max-Age=0; ${ATTRIBUTES}`]);
      const after = await connect("Refresh", {}, cookieHeader(token));
      expect(after.status).toBe(401);
      expect(after.body).toMatchObject({ code: "unauthenticated", message: "session ended: sign in again" });
    }
    // A client without the cookie gets no Set-Cookie.
    const account = newAccount();
    await rest("/register", account);
    const plain = await connect("Login", { email: account.email, password: account.password });
    expect((await connect("Logout", {}, bearer(plain.body.accessToken))).setCookies).toEqual([]);
  });
});

describe("over REST", () => {
  it("asks for the cookie at POST /login and refreshes with it at POST /refresh", async () => {
    const account = newAccount();
    await rest("/register", account);
    const login = await rest("/login", { email: account.email, password: account.password, refresh_token_cookie: true });
    expect(login.status).toBe(200);
    expect(login.body.refresh_token).toBe("");
    const token = tokenIn(login)!;
    expect(token).toBeDefined();

    const next = await rest("/refresh", {}, cookieHeader(token));
    expect(next.status).toBe(200);
    expect(next.body.refresh_token).toBe("");
    expect(tokenIn(next)).not.toBe(token);

    const missing = await rest("/refresh", {});
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: "invalid_argument", message: "invalid request: refresh token is required" });
  });
});

it("never logs the cookie's token", async () => {
  const { answer, token } = await signedInWithCookie();
  const next = tokenIn(await connect("Refresh", {}, cookieHeader(token)))!;
  await connect("Logout", {}, { ...bearer(answer.body.accessToken), ...cookieHeader(next) });
  expect(log.text()).toContain('"msg":"rpc"');
  for (const secret of [token, next]) expect(log.text()).not.toContain(secret);
});

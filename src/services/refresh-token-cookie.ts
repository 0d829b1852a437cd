// A browser's refresh token, where the page's scripts cannot read it
// (SECURITY.md TK-10): a `__Host-` cookie, so Secure, Path=/ and no Domain,
// plus HttpOnly and SameSite=Strict. Only clients that ask for it at Login
// get it; Refresh, Logout and LogoutAll read it when it is sent.
import { parseCookie, stringifySetCookie } from "cookie";

export const REFRESH_TOKEN_COOKIE = "__Host-refresh_token";

const attributes = { path: "/", secure: true, httpOnly: true, sameSite: "strict" } as const;

/** The refresh token from the request's cookies; undefined when there is none. */
export function refreshTokenFromCookie(header: Headers): string | undefined {
  const cookies = header.get("cookie");
  if (cookies === null) return undefined;
  const token = parseCookie(cookies)[REFRESH_TOKEN_COOKIE];
  return token === undefined || token === "" ? undefined : token;
}

/**
 * Set-Cookie for a new refresh token. A session cookie: the browser drops it
 * when it closes, as the console forgets its access token with the tab, so
 * the next person at a shared computer finds nothing to refresh with.
 */
export function refreshTokenCookie(token: string): string {
  return stringifySetCookie({ name: REFRESH_TOKEN_COOKIE, value: token, ...attributes });
}

/** Set-Cookie that removes the cookie. */
export function clearedRefreshTokenCookie(): string {
  return stringifySetCookie({ name: REFRESH_TOKEN_COOKIE, value: "", maxAge: 0, ...attributes });
}

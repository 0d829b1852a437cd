// The signed-in session: the access token, whose user it is and when it
// expires. Kept in sessionStorage, so a reload keeps the user signed in
// while closing the tab signs them out; the page's CSP allows no inline or
// foreign script that could read it. The refresh token is not here: the
// server keeps it in an HttpOnly cookie that no script can read (main.ts
// renews the access token with it).

export interface Session {
  accessToken: string;
  /** The token's `sub` claim: the contract says it is the user's id. */
  userId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const KEY = "auth-service.session";

export class SessionStore {
  private session: Session | undefined;
  private readonly listeners = new Set<(session: Session | undefined) => void>();

  constructor(private readonly storage: Storage = window.sessionStorage) {
    this.session = parse(storage.getItem(KEY));
    if (this.session !== undefined && this.session.expiresAt <= Date.now()) this.clear();
  }

  current(): Session | undefined {
    return this.session;
  }

  /** Starts a session from Login's answer. */
  start(accessToken: string, expiresInSeconds: number): Session {
    const session = this.renew(accessToken, expiresInSeconds);
    this.emit();
    return session;
  }

  /** A new access token for the same session (from Refresh): nothing to show anew, so no change event. */
  renew(accessToken: string, expiresInSeconds: number): Session {
    const session = { accessToken, userId: subjectOf(accessToken), expiresAt: Date.now() + expiresInSeconds * 1000 };
    this.session = session;
    this.storage.setItem(KEY, JSON.stringify(session));
    return session;
  }

  clear(): void {
    this.session = undefined;
    this.storage.removeItem(KEY);
    this.emit();
  }

  onChange(listener: (session: Session | undefined) => void): void {
    this.listeners.add(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.session);
  }
}

/** The `sub` claim of a JWT. Only read, never trusted: the server verifies the token. */
function subjectOf(token: string): string {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
  const sub = (JSON.parse(json) as { sub?: unknown }).sub;
  if (typeof sub !== "string") throw new Error("the access token has no subject");
  return sub;
}

function parse(text: string | null): Session | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Session>;
    return typeof value.accessToken === "string" && typeof value.userId === "string" && typeof value.expiresAt === "number"
      ? (value as Session)
      : undefined;
  } catch {
    return undefined;
  }
}

// Every way in, behind one small client interface, so one scenario runs over
// gRPC, gRPC-Web, Connect (JSON, binary, GET) and REST and protocol drift
// shows at once.
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { SessionService } from "../../gen/auth/v1/session_service_pb.js";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { SecurityEventOutcomeSchema, SecurityEventTypeSchema, SessionEndReasonSchema } from "../../gen/auth/v1/security_event_pb.js";

export interface ProfileView {
  id: string;
  user: string;
  email: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionView {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string;
  clientAddress: string;
  current: boolean;
}

export interface Tokens {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface SecurityEventView {
  type: string;
  outcome: string;
  occurredAt: Date;
  clientAddress: string;
  userAgent: string;
  /** Empty when the event names no session. */
  sessionId: string;
  /** The enum value's name, e.g. "SESSION_END_REASON_LOGOUT". */
  sessionEndReason: string;
}

export interface SecurityLogPageView {
  events: SecurityEventView[];
  nextPageToken: string;
}

export interface Door {
  name: string;
  register(req: { user: string; email: string; password: string }): Promise<{ id: string; message: string }>;
  login(req: { email: string; password: string }): Promise<Tokens>;
  refresh(refreshToken: string): Promise<Tokens>;
  logout(token?: string): Promise<void>;
  logoutAll(token?: string): Promise<{ sessionsEnded: number }>;
  getProfile(id: string, token?: string): Promise<ProfileView>;
  updateProfile(req: { id: string; user?: string; email?: string; password?: string }, token?: string): Promise<ProfileView>;
  listSessions(token?: string): Promise<SessionView[]>;
  revokeSession(id: string, token?: string): Promise<void>;
  listSecurityEvents(req: { id: string; pageSize?: number; pageToken?: string }, token?: string): Promise<SecurityLogPageView>;
  confirmEmail(token: string): Promise<{ message: string }>;
  resendVerification(accessToken?: string): Promise<{ message: string }>;
  requestPasswordReset(email: string): Promise<{ message: string }>;
  resetPassword(req: { token: string; newPassword: string }): Promise<{ message: string }>;
}

/** What every door's errors are reduced to, for one set of assertions. */
export interface DoorError {
  code: Code;
  message: string;
  reason: string | undefined;
  violations: { field: string; description: string }[];
  /** HTTP status, for REST only. */
  status?: number;
  /** When to retry: RetryInfo on RPC doors, the Retry-After header (whole seconds) on REST. */
  retryAfterMs?: number;
}

/** Runs `call`, expects it to fail, and returns the normalised error. */
export async function failure(call: Promise<unknown>): Promise<DoorError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RestError) return error.normalised;
    const err = ConnectError.from(error);
    const retryDelay = err.findDetails(RetryInfoSchema)[0]?.retryDelay;
    return {
      code: err.code,
      message: err.rawMessage,
      reason: err.findDetails(ErrorInfoSchema)[0]?.reason,
      violations: err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => ({ field: v.field, description: v.description }))),
      ...(retryDelay === undefined ? {} : { retryAfterMs: Number(retryDelay.seconds) * 1000 + retryDelay.nanos / 1e6 }),
    };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

const bearer = (token?: string) => (token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

const toView = (p: { id: string; user: string; email: string; createdAt?: Timestamp; updatedAt?: Timestamp } | undefined): ProfileView => {
  if (p === undefined || p.createdAt === undefined || p.updatedAt === undefined) throw new Error("incomplete profile");
  return { id: p.id, user: p.user, email: p.email, createdAt: timestampDate(p.createdAt), updatedAt: timestampDate(p.updatedAt) };
};

const toSessionView = (s: {
  id: string;
  createdAt?: Timestamp;
  lastUsedAt?: Timestamp;
  expiresAt?: Timestamp;
  userAgent: string;
  clientAddress: string;
  current: boolean;
}): SessionView => {
  if (s.createdAt === undefined || s.lastUsedAt === undefined || s.expiresAt === undefined) throw new Error("incomplete session");
  return {
    id: s.id,
    createdAt: timestampDate(s.createdAt),
    lastUsedAt: timestampDate(s.lastUsedAt),
    expiresAt: timestampDate(s.expiresAt),
    userAgent: s.userAgent,
    clientAddress: s.clientAddress,
    current: s.current,
  };
};

const toTokens = (r: Tokens): Tokens => ({
  accessToken: r.accessToken,
  tokenType: r.tokenType,
  expiresIn: r.expiresIn,
  refreshToken: r.refreshToken,
  refreshExpiresIn: r.refreshExpiresIn,
});

function rpcDoor(name: string, transport: Transport, readTransport: Transport = transport): Door {
  const auth = createClient(AuthService, transport);
  const profiles = createClient(ProfileService, transport);
  const reads = createClient(ProfileService, readTransport);
  const sessions = createClient(SessionService, transport);
  const sessionReads = createClient(SessionService, readTransport);
  const recovery = createClient(AccountRecoveryService, transport);
  return {
    name,
    confirmEmail: async (token) => ({ message: (await recovery.confirmEmail({ token })).message }),
    resendVerification: async (token) => ({ message: (await recovery.resendVerification({}, bearer(token))).message }),
    requestPasswordReset: async (email) => ({ message: (await recovery.requestPasswordReset({ email })).message }),
    resetPassword: async (req) => ({ message: (await recovery.resetPassword(req)).message }),
    register: (req) => auth.register(req),
    login: async (req) => toTokens(await auth.login(req)),
    refresh: async (refreshToken) => toTokens(await auth.refresh({ refreshToken })),
    logout: async (token) => void (await auth.logout({}, bearer(token))),
    logoutAll: async (token) => ({ sessionsEnded: (await auth.logoutAll({}, bearer(token))).sessionsEnded }),
    getProfile: async (id, token) => toView((await reads.getProfile({ id }, bearer(token))).profile),
    updateProfile: async (req, token) => toView((await profiles.updateProfile(req, bearer(token))).profile),
    listSessions: async (token) => (await sessionReads.listSessions({}, bearer(token))).sessions.map(toSessionView),
    revokeSession: async (id, token) => void (await sessions.revokeSession({ id }, bearer(token))),
    listSecurityEvents: async (req, token) => {
      const page = await reads.listSecurityEvents(req, bearer(token));
      return {
        nextPageToken: page.nextPageToken,
        events: page.events.map((e) => ({
          type: SecurityEventTypeSchema.value[e.type]!.name,
          outcome: SecurityEventOutcomeSchema.value[e.outcome]!.name,
          occurredAt: timestampDate(e.occurredAt!),
          clientAddress: e.clientAddress,
          userAgent: e.userAgent,
          sessionId: e.sessionId,
          sessionEndReason: SessionEndReasonSchema.value[e.sessionEndReason]!.name,
        })),
      };
    },
  };
}

export class RestError extends Error {
  constructor(readonly normalised: DoorError) {
    super(normalised.message);
  }
}

const codeByName = new Map(
  Object.entries(Code)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [k.replace(/[A-Z]/g, (c, i) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`)), v as Code]),
);

/** A client of the original REST API: snake_case JSON, bodies as the FastAPI service took them. */
export function restDoor(baseUrl: string, headers: Record<string, string> = {}): Door {
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, any>;
    if (!res.ok) {
      const details = (json.details ?? []) as Record<string, any>[];
      const info = details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
      const bad = details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest");
      if (json.detail !== json.message) throw new Error("REST error body: detail must repeat message");
      throw new RestError({
        code: codeByName.get(json.code) ?? Code.Unknown,
        message: json.message,
        reason: info?.reason,
        violations: (bad?.fieldViolations ?? []).map((v: any) => ({ field: v.field, description: v.description })),
        status: res.status,
        ...(res.headers.has("retry-after") ? { retryAfterMs: Number(res.headers.get("retry-after")) * 1000 } : {}),
      });
    }
    return json;
  };
  const profile = (p: Record<string, any>): ProfileView => ({
    id: p.id,
    user: p.user,
    email: p.email,
    createdAt: new Date(p.created_at),
    updatedAt: new Date(p.updated_at),
  });
  const tokens = (r: Record<string, any>): Tokens => ({
    accessToken: r.access_token,
    tokenType: r.token_type,
    expiresIn: r.expires_in,
    refreshToken: r.refresh_token,
    refreshExpiresIn: r.refresh_expires_in,
  });
  const session = (s: Record<string, any>): SessionView => ({
    id: s.id,
    createdAt: new Date(s.created_at),
    lastUsedAt: new Date(s.last_used_at),
    expiresAt: new Date(s.expires_at),
    userAgent: s.user_agent,
    clientAddress: s.client_address,
    current: s.current,
  });
  return {
    name: "rest",
    confirmEmail: async (token) => ({ message: (await call("POST", "/verify-email", { token })).message }),
    resendVerification: async (token) => ({ message: (await call("POST", "/verify-email/resend", {}, token)).message }),
    requestPasswordReset: async (email) => ({ message: (await call("POST", "/password-reset", { email })).message }),
    resetPassword: async ({ token, newPassword }) =>
      ({ message: (await call("POST", "/password-reset/confirm", { token, new_password: newPassword })).message }),
    register: async (req) => {
      const r = await call("POST", "/register", req);
      return { id: r.id, message: r.message };
    },
    login: async (req) => tokens(await call("POST", "/login", req)),
    refresh: async (refreshToken) => tokens(await call("POST", "/refresh", { refresh_token: refreshToken })),
    // As a REST client would: no body at all.
    logout: async (token) => void (await call("POST", "/logout", undefined, token)),
    logoutAll: async (token) => ({ sessionsEnded: (await call("POST", "/logout/all", undefined, token)).sessions_ended }),
    listSessions: async (token) => ((await call("GET", "/sessions", undefined, token)).sessions as Record<string, any>[]).map(session),
    revokeSession: async (id, token) => void (await call("DELETE", `/sessions/${encodeURIComponent(id)}`, undefined, token)),
    getProfile: async (id, token) => profile(await call("GET", `/profile/${encodeURIComponent(id)}`, undefined, token)),
    updateProfile: async ({ id, ...changes }, token) =>
      profile(await call("PUT", `/profile/${encodeURIComponent(id)}`, changes, token)),
    listSecurityEvents: async ({ id, pageSize, pageToken }, token) => {
      const query = new URLSearchParams();
      if (pageSize !== undefined) query.set("page_size", String(pageSize));
      if (pageToken !== undefined) query.set("page_token", pageToken);
      const r = await call("GET", `/profile/${encodeURIComponent(id)}/security-events?${query}`, undefined, token);
      return {
        nextPageToken: r.next_page_token,
        events: r.events.map((e: Record<string, string>) => ({
          type: e.type,
          outcome: e.outcome,
          occurredAt: new Date(e.occurred_at!),
          clientAddress: e.client_address,
          userAgent: e.user_agent,
          sessionId: e.session_id,
          sessionEndReason: e.session_end_reason,
        })),
      };
    },
  };
}

/**
 * Every door into a server at baseUrl. `headers` go on every request (for
 * example an X-Forwarded-For, to look like distinct clients behind a proxy).
 */
export function doors(baseUrl: string, headers: Record<string, string> = {}): Door[] {
  const withHeaders: Interceptor = (next) => (req) => {
    for (const [name, value] of Object.entries(headers)) req.header.set(name, value);
    return next(req);
  };
  const interceptors = [withHeaders];
  return [
    rpcDoor("grpc (h2c)", createGrpcTransport({ baseUrl, interceptors })),
    rpcDoor("grpc-web (http/1.1, binary)", createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors })),
    rpcDoor("connect json (http/1.1)", createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors })),
    rpcDoor("connect binary (h2c)", createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, interceptors })),
    rpcDoor(
      "connect json + GET reads (http/1.1)",
      createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors }),
      createConnectTransport({ baseUrl, httpVersion: "1.1", useHttpGet: true, interceptors }),
    ),
    restDoor(baseUrl, headers),
  ];
}

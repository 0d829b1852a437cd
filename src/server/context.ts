// The request-scoped values that interceptors set and handlers read.
import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { RunPrepared } from "../db/prepared-statements.js";
import type { RequestOrigin } from "../accounts/request-origin.js";

/** The authenticated user's id; set by the auth interceptor on protected RPCs. */
export const kUserId = createContextKey<string | undefined>(undefined, { description: "authenticated user id" });
/** The session of the caller's access token (its `sid`); set with kUserId. */
export const kSessionId = createContextKey<string | undefined>(undefined, { description: "authenticated session id" });
/** What a request reaches the database with; set by the entity-manager interceptor. */
export interface RequestDatabase {
  /** This request's own fork of the EntityManager, made on first use, then reused. */
  em(): EntityManager;
  /**
   * Prepared statements on the shared connection pool, for hot reads that
   * need no unit of work or identity map (a read by primary key): no fork is
   * made for them.
   */
  query: RunPrepared;
}
export const kDatabase = createContextKey<RequestDatabase | undefined>(undefined, { description: "request database" });
/** The request id: the caller's `x-request-id`, or one we made. */
export const kRequestId = createContextKey<string>("", { description: "request id" });
/** "rest" when the call came in through REST transcoding; unset for native RPC protocols. */
export const kRestCall = createContextKey<boolean>(false, { description: "came in through REST" });
/** The client's address: the socket peer, or what a trusted proxy forwarded (src/abuse/client-address.ts). */
export const kClientAddress = createContextKey<string>("", { description: "client address" });

/** The signed-in user's id; an RPC that calls this must not be public. */
export function requireUser(ctx: HandlerContext): string {
  const userId = ctx.values.get(kUserId);
  // Unreachable unless a protected RPC was wrongly listed as public.
  if (userId === undefined) throw new ConnectError("authentication required", Code.Unauthenticated);
  return userId;
}

/** The signed-in caller's user and session ids; an RPC that calls this must not be public. */
export function requireSession(ctx: HandlerContext): { userId: string; sessionId: string } {
  const sessionId = ctx.values.get(kSessionId);
  if (sessionId === undefined) throw new ConnectError("authentication required", Code.Unauthenticated);
  return { userId: requireUser(ctx), sessionId };
}

/** Where this request came from, for security events. */
export function requestOrigin(ctx: HandlerContext): RequestOrigin {
  return {
    clientAddress: ctx.values.get(kClientAddress),
    userAgent: ctx.requestHeader.get("user-agent") ?? "",
    requestId: ctx.values.get(kRequestId),
  };
}

export function entityManager(ctx: HandlerContext): EntityManager {
  return requestDatabase(ctx).em();
}

/** Prepared statements for hot reads (RequestDatabase.query). */
export function preparedQueries(ctx: HandlerContext): RunPrepared {
  return requestDatabase(ctx).query;
}

function requestDatabase(ctx: HandlerContext): RequestDatabase {
  const database = ctx.values.get(kDatabase);
  if (database === undefined) throw new Error("no database in context: is the entity-manager interceptor installed?");
  return database;
}

// Sessions: one per Login, kept alive by rotating refresh tokens, ended by
// logout, by a password change, by expiry, or when a spent refresh token
// comes back (RFC 9700 §4.14.2 rotation with reuse detection).
//
// Every change to a session's token family runs with the session row locked
// (SELECT ... FOR UPDATE), so concurrent refreshes of one token take turns:
// the first rotates, and the others, finding the token spent a moment ago,
// get the same successor back instead of ending the session. Outside the
// grace window a spent token means two parties hold the family: the session
// ends, `authn_token_reuse` is logged and a `refresh_token_reused` row goes
// to the account's security log.
//
// Every revocation writes security events (`session_revoked` for each
// session ended, `all_sessions_revoked` for all, or all but the caller's),
// with the reason, in the same transaction as the revocation.
import { randomUUID } from "node:crypto";
import { LockMode, raw, type EntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { RefreshTokenSchema, type RefreshToken } from "../db/entities/refresh-token.js";
import { RevokedReason, SessionSchema, type Session } from "../db/entities/session.js";
import { preparedStatement, type RunPrepared } from "../db/prepared-statements.js";
import { UserSchema } from "../db/entities/user.js";
import { recordSecurityEvent } from "../audit/audit-log.js";
import type { AccessTokens } from "../security/access-tokens.js";
import {
  newRefreshToken,
  openSuccessor,
  refreshTokenDigest,
  sealSuccessor,
} from "../security/refresh-tokens.js";
import {
  RefreshTokenExpired,
  RefreshTokenInvalid,
  RefreshTokenReused,
  SessionNotFound,
  SessionRevoked,
  type DomainError,
} from "./errors.js";
import type { RequestOrigin } from "./request-origin.js";

export interface TokenPair {
  sessionId: string;
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  /** Seconds until the refresh token expires unused. */
  refreshExpiresIn: number;
}

export type SessionPolicy = Config["sessions"];

/** Revoked sessions are kept this long (their tokens then answer "session ended" rather than "invalid"). */
const REVOKED_RETENTION_SECONDS = 24 * 3600;
/**
 * Ended sessions deleted per Login (with their tokens): about as many end as
 * start, so a few per Login keep the tables small with no background job.
 */
const PRUNE_BATCH = 10;
/** Sealed successors erased per Refresh or Login once their grace window has passed. */
const ERASE_BATCH = 100;
/** Sessions whose state an instance remembers for the access-token check. */
const CHECK_CACHE_ENTRIES = 10_000;
/** How many rotations a retry within the grace window may follow to the current token. */
const MAX_GRACE_HOPS = 5;
const USER_AGENT_MAX = 256;

/** Reasons that end every session of the user (or all but the caller's), not one chosen session. */
const ENDS_ALL: ReadonlySet<RevokedReason> = new Set([
  RevokedReason.LogoutAll,
  RevokedReason.PasswordChanged,
  RevokedReason.PasswordReset,
]);

type Rotation = { ok: TokenPair } | { error: DomainError; reuse?: { userId: string; sessionId: string } };

/** What the access-token check reads of a session (timestamps as the ORM's pg driver returns them: text). */
const SELECT_SESSION_STATE = preparedStatement<{ user_id: string; expires_at: string; revoked_at: string | null }>(
  "auth_select_session_state",
  "select user_id, expires_at, revoked_at from sessions where id = ?",
);

export class Sessions {
  /** Session id -> what the last look at the database said, until when. */
  private readonly checked = new Map<string, { active: boolean; until: number; userId: string | undefined }>();
  /** Session id -> the database look in progress, which concurrent checks of that session share. */
  private readonly checking = new Map<string, Promise<boolean>>();
  /** Counts revocations made here: a look that began before one must not fill the cache. */
  private revocations = 0;

  constructor(
    private readonly deps: { tokens: AccessTokens; policy: SessionPolicy; log: Logger; now?: () => number },
  ) {}

  /**
   * Starts a session for a user who just proved who they are, and records
   * the successful sign-in, naming the session, in the same transaction.
   */
  async start(em: EntityManager, userId: string, origin: RequestOrigin): Promise<TokenPair> {
    const now = this.now();
    const { policy } = this.deps;
    return em.transactional(async (tx) => {
      // One login at a time per user, so the cap below holds exactly.
      await tx.execute(`select 1 from "users" where "id" = ? for no key update`, [userId]);
      await tx.execute(
        `delete from "sessions" where "id" in
           (select "id" from "sessions" where "expires_at" < ? limit ${PRUNE_BATCH} for update skip locked)`,
        [now],
      );
      await this.eraseSealedSuccessors(tx, now);
      const active = await tx.find(
        SessionSchema,
        { user: userId, revokedAt: null, expiresAt: { $gt: now } },
        { fields: ["id"], orderBy: { createdAt: "desc" } },
      );
      const evicted = active.slice(policy.maxPerUser - 1).map((s) => s.id);
      if (evicted.length > 0) {
        await this.revokeWhere(tx, userId, { id: { $in: evicted } }, RevokedReason.Evicted, now, origin);
      }

      const absoluteExpiresAt = addSeconds(now, policy.maxLifetimeSeconds);
      const session = tx.create(SessionSchema, {
        // Chosen here, not at the flush: the sign-in's security event names it.
        id: randomUUID(),
        user: userId,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: earliest(addSeconds(now, policy.refreshTokenTtlSeconds), absoluteExpiresAt),
        absoluteExpiresAt,
        // As the client sent them: informative only.
        userAgent: printable(origin.userAgent)?.slice(0, USER_AGENT_MAX),
        clientAddress: origin.clientAddress.slice(0, 64) || null,
      });
      const refreshToken = newRefreshToken();
      tx.create(RefreshTokenSchema, { session, tokenHash: refreshTokenDigest(refreshToken), createdAt: now });
      recordSecurityEvent(tx, {
        type: "login",
        outcome: "success",
        user: tx.getReference(UserSchema, userId),
        origin,
        sessionId: session.id,
      });
      await tx.flush();
      return this.pair(session, refreshToken, now);
    });
  }

  /** Spends a refresh token for the session's next pair. */
  async refresh(em: EntityManager, presented: string, origin: RequestOrigin): Promise<TokenPair> {
    // The transaction must commit a reuse revocation, so failures are returned, then thrown.
    const rotation = await em.transactional((tx) => this.rotate(tx, presented, origin));
    if ("ok" in rotation) return rotation.ok;
    if (rotation.reuse !== undefined) {
      this.forget(rotation.reuse.sessionId);
      this.deps.log.warn(
        {
          event: "authn_token_reuse",
          ...rotation.reuse,
          client: origin.clientAddress,
          userAgent: printable(origin.userAgent),
          requestId: origin.requestId,
        },
        "a spent refresh token was presented again: its session has been revoked",
      );
    }
    throw rotation.error;
  }

  /** Ends one session of the user (Logout: the current one). */
  async logout(em: EntityManager, userId: string, sessionId: string, origin: RequestOrigin): Promise<void> {
    await em.transactional((tx) => this.revokeWhere(tx, userId, { id: sessionId }, RevokedReason.Logout, this.now(), origin));
  }

  /** Ends every session of the user; returns how many were active. */
  async logoutAll(em: EntityManager, userId: string, origin: RequestOrigin): Promise<number> {
    return em.transactional((tx) => this.revokeWhere(tx, userId, {}, RevokedReason.LogoutAll, this.now(), origin));
  }

  /** Ends one of the user's active sessions, or throws SessionNotFound. */
  async revoke(em: EntityManager, userId: string, sessionId: string, origin: RequestOrigin): Promise<void> {
    const ended = await em.transactional((tx) =>
      this.revokeWhere(tx, userId, { id: sessionId }, RevokedReason.Revoked, this.now(), origin),
    );
    if (ended === 0) throw new SessionNotFound();
  }

  /**
   * Ends every session of the user but `keep` (the caller's), after a
   * password change. Pass the EntityManager of the change's transaction:
   * its security event joins that unit of work.
   */
  async revokeOthers(em: EntityManager, userId: string, keep: string | undefined, origin: RequestOrigin): Promise<number> {
    const where = keep === undefined ? {} : { id: { $ne: keep } };
    return this.revokeWhere(em, userId, where, RevokedReason.PasswordChanged, this.now(), origin);
  }

  /**
   * Ends every session of the user after a password reset. Pass the
   * EntityManager of the reset's transaction: its security event joins that
   * unit of work.
   */
  async endAllAfterPasswordReset(em: EntityManager, userId: string, origin: RequestOrigin): Promise<void> {
    await this.revokeWhere(em, userId, {}, RevokedReason.PasswordReset, this.now(), origin);
  }

  /** The user's active sessions, newest first. */
  async list(em: EntityManager, userId: string): Promise<Session[]> {
    return em.find(
      SessionSchema,
      { user: userId, revokedAt: null, expiresAt: { $gt: this.now() } },
      { orderBy: { createdAt: "desc" } },
    );
  }

  /**
   * Whether a session still accepts its access tokens. Answers from memory
   * for up to `checkCacheSeconds`; revocations made by this instance are
   * forgotten at once, those made by another instance are seen within that
   * time. Concurrent checks of one session share one query: many calls on
   * one token would otherwise all miss together each time its entry expires.
   */
  async isActive(query: RunPrepared, sessionId: string): Promise<boolean> {
    const cached = this.checked.get(sessionId);
    if (cached !== undefined && cached.until > this.now().getTime()) return cached.active;
    let look = this.checking.get(sessionId);
    if (look === undefined) {
      look = this.lookUp(query, sessionId);
      this.checking.set(sessionId, look);
      const done = look;
      const settled = () => {
        if (this.checking.get(sessionId) === done) this.checking.delete(sessionId);
      };
      done.then(settled, settled);
    }
    return look;
  }

  private async lookUp(query: RunPrepared, sessionId: string): Promise<boolean> {
    const revocationsBefore = this.revocations;
    const [session] = await query(SELECT_SESSION_STATE, [sessionId]);
    const now = this.now().getTime();
    const expiresAt = session === undefined ? 0 : new Date(session.expires_at).getTime();
    const active = session !== undefined && session.revoked_at === null && expiresAt > now;
    const cacheMs = this.deps.policy.checkCacheSeconds * 1000;
    // A revocation made here while the query ran may not be in what it read.
    if (cacheMs > 0 && this.revocations === revocationsBefore) {
      this.checked.delete(sessionId);
      if (this.checked.size >= CHECK_CACHE_ENTRIES) this.checked.delete(this.checked.keys().next().value!);
      const until = active ? Math.min(now + cacheMs, expiresAt) : now + cacheMs;
      this.checked.set(sessionId, { active, until, userId: session?.user_id });
    }
    return active;
  }

  private async rotate(tx: EntityManager, presented: string, origin: RequestOrigin): Promise<Rotation> {
    const digest = refreshTokenDigest(presented);
    const [found] = await tx.execute<{ session_id: string }[]>(
      `select "session_id" from "refresh_tokens" where "token_hash" = ?`,
      [digest],
    );
    if (found === undefined) return { error: new RefreshTokenInvalid() };
    // Lock the family; everything read after this is current.
    const session = await tx.findOne(SessionSchema, { id: found.session_id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const token = await tx.findOne(RefreshTokenSchema, { tokenHash: digest });
    // Read after the wait for the lock, so it is not before a concurrent winner's.
    const now = this.now();
    if (session === null || token === null) return { error: new RefreshTokenInvalid() };
    if (session.revokedAt != null) return { error: new SessionRevoked() };
    if (session.expiresAt <= now) return { error: new RefreshTokenExpired() };

    if (token.spentAt == null) {
      const successor = newRefreshToken();
      token.spentAt = now;
      token.successorSealed = sealSuccessor(presented, successor);
      tx.create(RefreshTokenSchema, { session, tokenHash: refreshTokenDigest(successor), createdAt: now });
      session.lastUsedAt = now;
      session.expiresAt = earliest(addSeconds(now, this.deps.policy.refreshTokenTtlSeconds), session.absoluteExpiresAt);
      await this.eraseSealedSuccessors(tx, now);
      await tx.flush();
      return { ok: this.pair(session, successor, now) };
    }

    const current = await this.currentWithinGrace(tx, presented, token, now);
    if (current !== undefined) return { ok: this.pair(session, current, now) };

    session.revokedAt = now;
    session.revokedReason = RevokedReason.TokenReuse;
    session.expiresAt = earliest(session.expiresAt, addSeconds(now, REVOKED_RETENTION_SECONDS));
    // Committed with the revocation, although the call then fails.
    recordSecurityEvent(tx, {
      type: "refresh_token_reused",
      outcome: "blocked",
      user: session.user,
      origin,
      sessionId: session.id,
      sessionEndReason: RevokedReason.TokenReuse,
    });
    await tx.flush();
    return { error: new RefreshTokenReused(), reuse: { userId: session.user.id, sessionId: session.id } };
  }

  /**
   * A retry of a token spent within the grace window: follows the sealed
   * successors to the session's current token, or undefined when the window
   * has passed (reuse).
   */
  private async currentWithinGrace(
    tx: EntityManager,
    presented: string,
    spent: RefreshToken,
    now: Date,
  ): Promise<string | undefined> {
    let secret = presented;
    let token = spent;
    for (let hop = 0; hop < MAX_GRACE_HOPS; hop++) {
      if (token.spentAt == null) return secret;
      // Another instance's clock may run ahead of ours: a spentAt after `now`
      // means no time has passed, not less than none.
      const elapsed = Math.max(0, now.getTime() - token.spentAt.getTime());
      if (token.successorSealed == null || elapsed >= this.graceMs) return undefined;
      const next = openSuccessor(secret, token.successorSealed);
      if (next === undefined) return undefined;
      const nextToken = await tx.findOne(RefreshTokenSchema, { tokenHash: refreshTokenDigest(next) });
      if (nextToken === null) return undefined;
      secret = next;
      token = nextToken;
    }
    return undefined;
  }

  /**
   * A sealed successor is only of use during its grace window: erase those
   * past it (any session's), so that the database plus an old spent token
   * never yield a live one. Rows another transaction holds are left for the
   * next call.
   */
  private async eraseSealedSuccessors(tx: EntityManager, now: Date): Promise<void> {
    await tx.execute(
      `update "refresh_tokens" set "successor_sealed" = null where "id" in
         (select "id" from "refresh_tokens" where "successor_sealed" is not null and "spent_at" < ?
          limit ${ERASE_BATCH} for update skip locked)`,
      [new Date(now.getTime() - this.graceMs)],
    );
  }

  /**
   * Revokes the user's active sessions that match `where`; returns how many.
   * Adds the security events to `em`'s unit of work (the caller flushes them
   * in the transaction of the revocation): one `session_revoked` per session
   * ended, or one `all_sessions_revoked` for a reason that ends them all.
   */
  private async revokeWhere(
    em: EntityManager,
    userId: string,
    where: { id?: string | { $in: string[] } | { $ne: string } },
    reason: RevokedReason,
    now: Date,
    origin: RequestOrigin,
  ): Promise<number> {
    // Locked, so the events below name exactly the sessions this call ends.
    const ending = await em.find(
      SessionSchema,
      { ...where, user: userId, revokedAt: null, expiresAt: { $gt: now } },
      { fields: ["id"], lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (ending.length === 0) return 0;
    const ids = ending.map((s) => s.id);
    await em.nativeUpdate(
      SessionSchema,
      { id: { $in: ids } },
      // A revoked session's row expires (and is pruned) after the retention.
      { revokedAt: now, revokedReason: reason, expiresAt: raw(`least("expires_at", ?)`, [addSeconds(now, REVOKED_RETENTION_SECONDS)]) },
    );
    this.forgetUser(userId);
    this.deps.log.info({ event: "session_revoked", reason, userId, sessions: ids.length }, "sessions revoked");
    const event = { outcome: "success", user: em.getReference(UserSchema, userId), origin, sessionEndReason: reason } as const;
    if (ENDS_ALL.has(reason)) {
      recordSecurityEvent(em, { ...event, type: "all_sessions_revoked" });
    } else {
      for (const sessionId of ids) recordSecurityEvent(em, { ...event, type: "session_revoked", sessionId });
    }
    return ids.length;
  }

  private forget(sessionId: string): void {
    this.revocations++;
    this.checked.delete(sessionId);
    this.checking.delete(sessionId);
  }

  private forgetUser(userId: string): void {
    this.revocations++;
    for (const [sessionId, entry] of this.checked) if (entry.userId === userId) this.checked.delete(sessionId);
    // Looks in progress do not say whose session they read: start every one afresh.
    this.checking.clear();
  }

  private pair(session: Session, refreshToken: string, now: Date): TokenPair {
    return {
      sessionId: session.id,
      accessToken: this.deps.tokens.issue(session.user.id, session.id),
      expiresIn: this.deps.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresIn: Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000),
    };
  }

  private get graceMs(): number {
    return this.deps.policy.reuseGraceSeconds * 1000;
  }

  private now(): Date {
    return new Date(this.deps.now?.() ?? Date.now());
  }
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

function earliest(a: Date, b: Date): Date {
  return a <= b ? a : b;
}

/** Header text without control characters, or null when nothing is left. */
function printable(text: string): string | null {
  const cleaned = text.replace(/[\p{Cc}\p{Cf}]/gu, "").trim();
  return cleaned ? cleaned : null;
}

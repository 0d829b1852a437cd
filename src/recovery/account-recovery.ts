// Email verification and password reset with mailed one-time tokens.
// Transport-free like accounts/: handlers call these with a request-scoped
// EntityManager. A token row and its outbox mail are written in one
// transaction; redemption is one conditional UPDATE ... RETURNING, so
// concurrent redemptions of a token succeed exactly once.
import type { EntityManager } from "@mikro-orm/postgresql";
import { UserSchema, type User } from "../db/entities/user.js";
import { OneTimeTokenSchema, type TokenPurpose } from "../db/entities/one-time-token.js";
import type { PasswordHasher } from "../security/password-hasher.js";
import { recordSecurityEvent } from "../audit/audit-log.js";
import { queueMail } from "../mail/outbox.js";
import type { EmailTemplate } from "../db/entities/email-outbox.js";
import { TokenInvalid, UserNotFound } from "../accounts/errors.js";
import { normaliseEmail } from "../accounts/normalise.js";
import type { RequestOrigin } from "../accounts/request-origin.js";
import { hashSecret, newSecret } from "./one-time-secret.js";

/** Ends every session of a user, in the caller's transaction (security event included). Provided by the sessions module. */
export type RevokeAllSessions = (em: EntityManager, userId: string, origin: RequestOrigin) => Promise<void>;

export interface AccountRecoveryOptions {
  hasher: PasswordHasher;
  revokeAllSessions: RevokeAllSessions;
  verifyEmailTtlSeconds: number;
  resetPasswordTtlSeconds: number;
  /**
   * At most one mail of a kind to one address per this many seconds, and at
   * most `mailsPerHour` an hour (0: no limit); extra requests get the same
   * answer and send nothing.
   */
  mailIntervalSeconds: number;
  mailsPerHour: number;
  now?: () => number;
}

export class AccountRecovery {
  private readonly now: () => number;

  constructor(private readonly o: AccountRecoveryOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Queues a verification mail for the account's current address, replacing
   * older verification tokens. Joins the caller's unit of work: the caller
   * flushes (registration and email changes call this before their flush).
   */
  async issueVerification(em: EntityManager, user: User): Promise<void> {
    await this.issue(em, user, "verify_email");
  }

  /**
   * Verifies the address the token was sent to. A token that already did so
   * (a second click on the link) answers `alreadyVerified` and changes
   * nothing, as long as the account still has that address verified.
   */
  async confirmEmail(em: EntityManager, token: string, origin: RequestOrigin): Promise<{ alreadyVerified: boolean }> {
    return em.transactional(async (tx) => {
      const userId = await this.redeem(tx, token, "verify_email");
      if (userId === undefined) {
        if (await this.verifiedBy(tx, token)) return { alreadyVerified: true };
        throw new TokenInvalid();
      }
      const user = tx.getReference(UserSchema, userId);
      await tx.nativeUpdate(UserSchema, { id: userId }, { emailVerifiedAt: new Date(this.now()) });
      recordSecurityEvent(tx, { type: "email_verified", outcome: "success", user, origin });
      return { alreadyVerified: false };
    });
  }

  /** Mails the owner a reset link, saying their password was disabled after too many wrong ones. Joins the caller's unit of work. */
  async notifyPasswordDisabled(em: EntityManager, user: User): Promise<void> {
    await this.issue(em, user, "reset_password", "password_disabled");
  }

  /** Sends a fresh verification link unless the address is verified or one went out recently. */
  async resendVerification(em: EntityManager, userId: string): Promise<void> {
    await em.transactional(async (tx) => {
      const user = await tx.findOne(UserSchema, { id: userId });
      if (user === null) throw new UserNotFound();
      if (user.emailVerifiedAt !== null && user.emailVerifiedAt !== undefined) return;
      if (await this.mailThrottled(tx, user.email, "verify_email")) return;
      await this.issue(tx, user, "verify_email");
    });
  }

  /**
   * Mails a reset link if an account has this address. The caller learns
   * nothing either way: same answer, and the mail goes out later from the
   * outbox, so the response time does not depend on SMTP.
   */
  async requestPasswordReset(em: EntityManager, email: string, origin: RequestOrigin): Promise<void> {
    await em.transactional(async (tx) => {
      const user = await tx.findOne(UserSchema, { email: normaliseEmail(email) });
      if (user === null) {
        recordSecurityEvent(tx, { type: "password_reset_requested", outcome: "failure", user: null, origin });
        return;
      }
      if (await this.mailThrottled(tx, user.email, "reset_password")) {
        recordSecurityEvent(tx, { type: "password_reset_requested", outcome: "blocked", user, origin });
        return;
      }
      await this.issue(tx, user, "reset_password");
      recordSecurityEvent(tx, { type: "password_reset_requested", outcome: "success", user, origin });
    });
  }

  /**
   * Sets the new password (already checked against the password rules),
   * spends the token, voids other outstanding reset tokens, revokes every
   * session and mails a notice, all in one transaction.
   */
  async resetPassword(em: EntityManager, token: string, newPassword: string, origin: RequestOrigin): Promise<void> {
    // Hash first: bcrypt is slow and must not run while the transaction holds locks.
    const password = await this.o.hasher.hash(newPassword);
    await em.transactional(async (tx) => {
      const userId = await this.redeem(tx, token, "reset_password");
      if (userId === undefined) throw new TokenInvalid();
      await tx.nativeUpdate(
        OneTimeTokenSchema,
        { user: userId, purpose: "reset_password", usedAt: null },
        { usedAt: new Date(this.now()) },
      );
      const user = await tx.findOneOrFail(UserSchema, { id: userId });
      user.passwordHash = password.hash;
      user.failedLogins = 0;
      user.passwordScheme = password.scheme;
      await this.o.revokeAllSessions(tx, userId, origin);
      recordSecurityEvent(tx, { type: "password_reset", outcome: "success", user, origin });
      queueMail(tx, { to: user.email, template: "password_changed", payload: { user: user.user } });
    });
  }

  /**
   * Spends a token of this purpose if it is unused, unexpired and was sent to
   * the account's current address; returns the account's id. One statement,
   * so of several concurrent callers exactly one gets a row back.
   */
  /** Spends the token: its user's id, or undefined when it is not (or no longer) redeemable. */
  private async redeem(em: EntityManager, token: string, purpose: TokenPurpose): Promise<string | undefined> {
    const now = new Date(this.now());
    const rows = await em.execute<{ user_id: string }[]>(
      `update one_time_tokens t set used_at = ?
         from users u
        where t.token_hash = ? and t.purpose = ? and t.used_at is null and t.expires_at > ?
          and u.id = t.user_id and u.email = t.email
        returning t.user_id`,
      [now, hashSecret(token), purpose, now],
    );
    return rows[0]?.user_id;
  }

  /** Whether this spent verification token verified the address its account still has. */
  private async verifiedBy(em: EntityManager, token: string): Promise<boolean> {
    const rows = await em.execute(
      `select 1 from one_time_tokens t join users u on u.id = t.user_id
        where t.token_hash = ? and t.purpose = 'verify_email' and t.used_at is not null
          and u.email = t.email and u.email_verified_at is not null`,
      [hashSecret(token)],
    );
    return rows.length > 0;
  }

  /**
   * Whether `recipient` got a mail of this kind too recently (RL-06): within
   * the interval, or `mailsPerHour` times in the last hour. Counted from the
   * outbox, so it is per address, whichever account or request caused it.
   */
  private async mailThrottled(em: EntityManager, recipient: string, template: TokenPurpose): Promise<boolean> {
    const { mailIntervalSeconds, mailsPerHour } = this.o;
    if (mailIntervalSeconds === 0 && mailsPerHour === 0) return false;
    const now = this.now();
    const intervalStart = new Date(now - mailIntervalSeconds * 1000);
    const hourStart = new Date(now - 3_600_000);
    const [counts] = await em.execute<{ recent: string; last_hour: string }[]>(
      `select count(*) filter (where created_at > ?) as recent, count(*) filter (where created_at > ?) as last_hour
         from email_outbox where recipient = ? and template = ? and created_at > ?`,
      [intervalStart, hourStart, recipient, template, intervalStart < hourStart ? intervalStart : hourStart],
    );
    const recent = Number(counts?.recent ?? 0);
    const lastHour = Number(counts?.last_hour ?? 0);
    return (mailIntervalSeconds > 0 && recent > 0) || (mailsPerHour > 0 && lastHour >= mailsPerHour);
  }

  /** A new token for `purpose`, mailed with `template` (by default the purpose's own). */
  private async issue(em: EntityManager, user: User, purpose: TokenPurpose, template: EmailTemplate = purpose): Promise<void> {
    // A newer token replaces older ones. A new account (no id before its flush) has none.
    if (user.id !== undefined) await em.nativeDelete(OneTimeTokenSchema, { user: user.id, purpose, usedAt: null });
    const { token, hash } = newSecret();
    const ttl = purpose === "verify_email" ? this.o.verifyEmailTtlSeconds : this.o.resetPasswordTtlSeconds;
    const now = this.now();
    em.create(OneTimeTokenSchema, {
      user,
      purpose,
      tokenHash: hash,
      email: user.email,
      createdAt: new Date(now),
      expiresAt: new Date(now + ttl * 1000),
      usedAt: null,
    });
    queueMail(em, { to: user.email, template, payload: { user: user.user, token } });
  }
}

// The account rules: register, authenticate, read and change a profile
// (sessions and their tokens: sessions.ts). Transport-free: handlers in
// services/ call these with a request-scoped EntityManager and map the
// results and DomainErrors to the contract.
import { raw, UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/postgresql";
import { preparedStatement, type RunPrepared } from "../db/prepared-statements.js";
import { UserSchema, USERS_EMAIL_UNIQUE, USERS_USER_UNIQUE, type User } from "../db/entities/user.js";
import type { PasswordHasher } from "../security/password-hasher.js";
import { recordSecurityEvent } from "../audit/audit-log.js";
import { EmailNotVerified, EmailTaken, InvalidCredentials, InvalidField, UserNotFound, UserTaken } from "./errors.js";
import { normaliseEmail, normaliseUserName } from "./normalise.js";
import { assertOwner } from "./ownership.js";
import { contextProblem } from "./password-policy.js";
import type { RequestOrigin } from "./request-origin.js";
import type { Sessions, TokenPair } from "./sessions.js";

export interface Registration {
  user: string;
  email: string;
  password: string;
}

export interface ProfileChanges {
  user?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
}

/** What a profile read returns: the public columns of an account. */
export type ProfileRecord = Pick<User, "id" | "user" | "email" | "emailVerifiedAt" | "createdAt" | "updatedAt">;

interface ProfileRow {
  id: string;
  user: string;
  email: string;
  email_verified_at: string | null;
  created_at: string;
  updated_at: string;
}

const SELECT_PROFILE = preparedStatement<ProfileRow>(
  "auth_select_profile",
  'select id, "user", email, email_verified_at, created_at, updated_at from users where id = ?',
);

/** Queues a verification mail for the account's current address in the caller's unit of work (recovery/). */
export interface EmailVerification {
  issueVerification(em: EntityManager, user: User): Promise<void>;
}

/** Queues a mail telling the owner their password stopped working, with a reset link, in the caller's unit of work (recovery/). */
export interface PasswordDisabledNotice {
  notifyPasswordDisabled(em: EntityManager, user: User): Promise<void>;
}

export class Accounts {
  constructor(
    private readonly deps: {
      hasher: PasswordHasher;
      sessions: Sessions;
      emailVerification?: EmailVerification;
      /** Login refuses unverified addresses (told only after a correct password). */
      requireVerifiedEmail?: boolean;
      /**
       * Wrong passwords in a row after which the password stops working until
       * a reset (NIST SP 800-63B's ceiling of 100); unset: no ceiling.
       */
      maxConsecutiveFailures?: number;
      passwordDisabledNotice?: PasswordDisabledNotice;
    },
  ) {}

  async register(em: EntityManager, input: Registration, origin: RequestOrigin): Promise<User> {
    const user = normaliseUserName(input.user);
    const email = normaliseEmail(input.email);
    assertPasswordFits(input.password, { email, user });
    // A friendly early answer that also saves a bcrypt hash; the unique
    // indexes remain the real guard against concurrent registrations.
    await this.assertAvailable(em, { user, email });
    const password = await this.deps.hasher.hash(input.password);
    const account = em.create(UserSchema, {
      user,
      email,
      passwordHash: password.hash,
      passwordScheme: password.scheme,
    });
    recordSecurityEvent(em, { type: "account_created", outcome: "success", user: account, origin });
    await this.deps.emailVerification?.issueVerification(em, account);
    await flushUnique(em);
    return account;
  }

  /** Checks the credentials and starts a session. */
  async login(em: EntityManager, input: { email: string; password: string }, origin: RequestOrigin): Promise<TokenPair> {
    // lower(email), not email: the unique index is on lower(email), and
    // `email = ?` cannot use it (a sequential scan of users per login).
    // Emails are stored lower-cased, so both match the same rows.
    const account = await em.findOne(
      UserSchema,
      { [raw((alias) => `lower(${alias}.email)`)]: normaliseEmail(input.email) },
      { populate: ["passwordHash"] },
    );
    if (account === null) {
      // Same work as a real check, so timing does not reveal unknown emails.
      await this.deps.hasher.verifyDummy(input.password);
      recordSecurityEvent(em, { type: "login", outcome: "failure", user: null, origin });
      await em.flush();
      throw new InvalidCredentials();
    }
    const ceiling = this.deps.maxConsecutiveFailures ?? Number.POSITIVE_INFINITY;
    if (account.failedLogins >= ceiling) {
      // The password no longer works, right or wrong: the same answer and the
      // same work as a wrong one, so guessing on learns nothing.
      await this.deps.hasher.verifyDummy(input.password);
      recordSecurityEvent(em, { type: "login", outcome: "blocked", user: account, origin });
      await em.flush();
      throw new InvalidCredentials();
    }
    const stored = { hash: account.passwordHash, scheme: account.passwordScheme };
    if (!(await this.deps.hasher.verify(input.password, stored))) {
      const failures = await this.countFailure(em, account.id);
      recordSecurityEvent(em, { type: "login", outcome: "failure", user: account, origin });
      if (failures === ceiling) await this.deps.passwordDisabledNotice?.notifyPasswordDisabled(em, account);
      await em.flush();
      throw new InvalidCredentials();
    }
    if (this.deps.requireVerifiedEmail === true && account.emailVerifiedAt == null) {
      recordSecurityEvent(em, { type: "login", outcome: "failure", user: account, origin });
      await em.flush();
      throw new EmailNotVerified();
    }
    if (this.deps.hasher.needsRehash(stored)) {
      // Upgrade imported or low-cost hashes while we hold the plain password.
      const upgraded = await this.deps.hasher.hash(input.password);
      account.passwordHash = upgraded.hash;
      account.passwordScheme = upgraded.scheme;
    }
    if (account.failedLogins > 0) await em.execute(`update users set failed_logins = 0 where id = ?`, [account.id]);
    await em.flush();
    // Records the successful sign-in with the session it starts.
    return this.deps.sessions.start(em, account.id, origin);
  }

  /**
   * One more wrong password in a row; returns the new count. Atomic, and
   * outside the entity so the profile's "last changed" time stays as it is.
   */
  private async countFailure(em: EntityManager, userId: string): Promise<number> {
    const [row] = await em.execute<{ failed_logins: number }[]>(
      `update users set failed_logins = failed_logins + 1 where id = ? returning failed_logins`,
      [userId],
    );
    return row?.failed_logins ?? 0;
  }

  /**
   * The hot path of the service: a primary-key read of the public columns as
   * a plain row, through a prepared statement. No entity is built or
   * tracked: hydrating one through the identity map costs about three times
   * the query itself, and an EntityManager fork alone about a third of it.
   */
  async getProfile(query: RunPrepared, callerId: string, id: string): Promise<ProfileRecord> {
    assertOwner(callerId, id);
    const [row] = await query(SELECT_PROFILE, [callerId]);
    if (row === undefined) throw new UserNotFound();
    // The ORM's pg driver leaves timestamptz as PostgreSQL's ISO text (with its offset).
    return {
      id: row.id,
      user: row.user,
      email: row.email,
      emailVerifiedAt: row.email_verified_at === null ? null : new Date(row.email_verified_at),
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    };
  }

  /**
   * A new password ends every session of the user but `currentSessionId`
   * (the caller's), in the same transaction as the change.
   */
  async updateProfile(
    em: EntityManager,
    callerId: string,
    id: string,
    changes: ProfileChanges,
    origin: RequestOrigin,
    currentSessionId?: string,
  ): Promise<User> {
    const account = await this.ownAccount(em, callerId, id);
    const user = changes.user === undefined ? undefined : normaliseUserName(changes.user);
    const email = changes.email === undefined ? undefined : normaliseEmail(changes.email);
    await this.assertAvailable(em, {
      user: user !== undefined && user.toLowerCase() !== account.user.toLowerCase() ? user : undefined,
      email: email !== undefined && email !== account.email ? email : undefined,
    });
    if (changes.password !== undefined) {
      // Judged against the account as it will be after this change.
      assertPasswordFits(changes.password, { email: email ?? account.email, user: user ?? account.user });
    }
    const event = (type: "user_name_changed" | "email_changed" | "password_changed") =>
      recordSecurityEvent(em, { type, outcome: "success", user: account, origin });
    if (user !== undefined && user !== account.user) {
      account.user = user;
      event("user_name_changed");
    }
    if (email !== undefined && email !== account.email) {
      account.email = email;
      account.emailVerifiedAt = null;
      event("email_changed");
      await this.deps.emailVerification?.issueVerification(em, account);
    }
    if (changes.password !== undefined) {
      const password = await this.deps.hasher.hash(changes.password);
      account.passwordHash = password.hash;
      account.failedLogins = 0;
      account.passwordScheme = password.scheme;
      event("password_changed");
    }
    // The change, its security events and the revocations commit together
    // (bcrypt ran before: no connection is held while hashing). Not
    // em.transactional(): its fork would leave the new event rows behind.
    await em.begin();
    try {
      if (changes.password !== undefined) await this.deps.sessions.revokeOthers(em, account.id, currentSessionId, origin);
      await flushUnique(em);
      await em.commit();
    } catch (error) {
      await em.rollback();
      throw error;
    }
    return account;
  }

  /** The caller's own account; NotOwner for any other id, whether or not it exists. */
  private async ownAccount(em: EntityManager, callerId: string, id: string): Promise<User> {
    assertOwner(callerId, id);
    const account = await em.findOne(UserSchema, { id: callerId });
    if (account === null) throw new UserNotFound();
    return account;
  }

  private async assertAvailable(em: EntityManager, wanted: { user?: string | undefined; email?: string | undefined }) {
    const knex = em.getKnex();
    if (wanted.email !== undefined) {
      const taken = await knex("users").whereRaw("lower(email) = lower(?)", [wanted.email]).first(knex.raw("1"));
      if (taken !== undefined) throw new EmailTaken();
    }
    if (wanted.user !== undefined) {
      const taken = await knex("users").whereRaw('lower("user") = lower(?)', [wanted.user]).first(knex.raw("1"));
      if (taken !== undefined) throw new UserTaken();
    }
  }
}

/** Length and guessability are request rules; only the account can say whether a password contains its own names. */
function assertPasswordFits(password: string, account: { email: string; user: string }): void {
  const problem = contextProblem(password, account);
  if (problem !== undefined) throw new InvalidField("password", `password ${problem}`);
}

/** Flushes, turning a unique-index violation into the matching domain error. */
async function flushUnique(em: EntityManager): Promise<void> {
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const constraint = (error as { constraint?: string }).constraint;
      if (constraint === USERS_EMAIL_UNIQUE) throw new EmailTaken();
      if (constraint === USERS_USER_UNIQUE) throw new UserTaken();
    }
    throw error;
  }
}

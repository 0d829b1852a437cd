// The account rules: register, authenticate, read and change a profile
// (sessions and their tokens: sessions.ts). Transport-free: handlers in
// services/ call these with a request-scoped EntityManager and map the
// results and DomainErrors to the contract.
import { UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/postgresql";
import { UserSchema, USERS_EMAIL_UNIQUE, USERS_USER_UNIQUE, type User } from "../db/entities/user.js";
import type { PasswordHasher } from "../security/password-hasher.js";
import { EmailTaken, InvalidCredentials, NotOwner, UserNotFound, UserTaken } from "./errors.js";
import { normaliseEmail, normaliseUserName } from "./normalise.js";
import type { ClientInfo, Sessions, TokenPair } from "./sessions.js";

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

export class Accounts {
  constructor(private readonly deps: { hasher: PasswordHasher; sessions: Sessions }) {}

  async register(em: EntityManager, input: Registration): Promise<User> {
    const user = normaliseUserName(input.user);
    const email = normaliseEmail(input.email);
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
    await flushUnique(em);
    return account;
  }

  /** Checks the credentials and starts a session. */
  async login(em: EntityManager, input: { email: string; password: string }, client: ClientInfo = {}): Promise<TokenPair> {
    const account = await em.findOne(
      UserSchema,
      { email: normaliseEmail(input.email) },
      { fields: ["id", "passwordHash", "passwordScheme"] },
    );
    if (account === null) {
      // Same work as a real check, so timing does not reveal unknown emails.
      await this.deps.hasher.verifyDummy(input.password);
      throw new InvalidCredentials();
    }
    const stored = { hash: account.passwordHash, scheme: account.passwordScheme };
    if (!(await this.deps.hasher.verify(input.password, stored))) throw new InvalidCredentials();
    if (this.deps.hasher.needsRehash(stored)) {
      // Upgrade imported or low-cost hashes while we hold the plain password.
      const upgraded = await this.deps.hasher.hash(input.password);
      await em.nativeUpdate(UserSchema, { id: account.id }, { passwordHash: upgraded.hash, passwordScheme: upgraded.scheme });
    }
    return this.deps.sessions.start(em, account.id, client);
  }

  async getProfile(em: EntityManager, callerId: string, id: string): Promise<User> {
    return this.ownAccount(em, callerId, id);
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
    currentSessionId?: string,
  ): Promise<User> {
    const account = await this.ownAccount(em, callerId, id);
    const user = changes.user === undefined ? undefined : normaliseUserName(changes.user);
    const email = changes.email === undefined ? undefined : normaliseEmail(changes.email);
    await this.assertAvailable(em, {
      user: user !== undefined && user.toLowerCase() !== account.user.toLowerCase() ? user : undefined,
      email: email !== undefined && email !== account.email ? email : undefined,
    });
    if (user !== undefined) account.user = user;
    if (email !== undefined) account.email = email;
    if (changes.password !== undefined) {
      const password = await this.deps.hasher.hash(changes.password);
      account.passwordHash = password.hash;
      account.passwordScheme = password.scheme;
    }
    // The change and the revocations commit together (bcrypt ran before: no
    // connection is held while hashing).
    await em.transactional(async (tx) => {
      if (changes.password !== undefined) await this.deps.sessions.revokeOthers(tx, account.id, currentSessionId);
      await flushUnique(tx);
    });
    return account;
  }

  /** The caller's own account; NotOwner for any other id, whether or not it exists. */
  private async ownAccount(em: EntityManager, callerId: string, id: string): Promise<User> {
    if (id.toLowerCase() !== callerId.toLowerCase()) throw new NotOwner();
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

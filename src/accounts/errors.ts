// What can go wrong in the account rules, as typed errors. They say nothing
// about transports: services/error-mapping.ts turns each into a ConnectError
// (code, reason, safe message) in one place.

export abstract class DomainError extends Error {
  override name = this.constructor.name;
}

export class EmailTaken extends DomainError {
  constructor() {
    super("an account with this email address already exists");
  }
}

export class UserTaken extends DomainError {
  constructor() {
    super("an account with this user name already exists");
  }
}

/** Unknown email and wrong password are one error: callers must not tell them apart. */
export class InvalidCredentials extends DomainError {
  constructor() {
    super("invalid email or password");
  }
}

export class NotOwner extends DomainError {
  constructor() {
    super("you may only access your own profile");
  }
}

export class UserNotFound extends DomainError {
  constructor() {
    super("your account no longer exists");
  }
}

/** A request field that only the rules behind it can judge (a page token, say). */
export class InvalidField extends DomainError {
  constructor(
    readonly field: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** Unknown, expired, spent, wrong-purpose or stale one-time token: one error, saying not which. */
export class TokenInvalid extends DomainError {
  constructor() {
    super("this link is invalid or has expired; ask for a new one");
  }
}

/** Login needs a verified address (REQUIRE_VERIFIED_EMAIL); told only after a correct password. */
export class EmailNotVerified extends DomainError {
  constructor() {
    super("confirm your email address first: use the link we sent, or ask for a new one");
  }
}

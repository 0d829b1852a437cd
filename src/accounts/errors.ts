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

/** Not a refresh token we issued (or its session is gone). */
export class RefreshTokenInvalid extends DomainError {
  constructor() {
    super("invalid refresh token: sign in again");
  }
}

/** The session was idle too long or reached its maximum lifetime. */
export class RefreshTokenExpired extends DomainError {
  constructor() {
    super("refresh token expired: sign in again");
  }
}

/** A spent refresh token came back after the grace window: its session has been ended. */
export class RefreshTokenReused extends DomainError {
  constructor() {
    super("refresh token already used: the session has been ended for safety, sign in again");
  }
}

/** The session was ended (logout, password change or reset, token reuse). */
export class SessionRevoked extends DomainError {
  constructor() {
    super("session ended: sign in again");
  }
}

/** No active session of the caller has that id; says nothing about other users' sessions. */
export class SessionNotFound extends DomainError {
  constructor() {
    super("no active session with this id");
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

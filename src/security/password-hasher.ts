// Password hashing: bcrypt over an HMAC pre-hash.
//
// bcrypt reads only the first 72 bytes of its input, so two long passwords
// sharing a prefix would match the same hash. We never hand it the raw
// password: NFKC-normalise (so canonically equal input verifies), HMAC-SHA-384
// with a server-side pepper (a database dump alone cannot be attacked
// offline), base64 (bcrypt stops at NUL bytes) -> 64 ASCII bytes -> bcrypt.
//
// The scheme is stored beside each hash so that plain bcrypt hashes imported
// from the original service still verify and are upgraded on the next login.
//
// The bcrypt work itself runs on PasswordWork's threads, behind a bounded
// queue (see password-work.ts).
import bcrypt from "bcrypt";
import { createHmac, type KeyObject, createSecretKey } from "node:crypto";
import { PasswordWork, type PasswordWorkOptions } from "./password-work.js";

/** How a stored password hash was made. */
export const PasswordScheme = {
  /** bcrypt(base64(HMAC-SHA-384(pepper, NFKC(password)))): what we write. */
  PepperedBcrypt: "hmac-sha384-bcrypt",
  /** bcrypt(password): hashes imported from the original service. */
  LegacyBcrypt: "bcrypt",
} as const;
export type PasswordScheme = (typeof PasswordScheme)[keyof typeof PasswordScheme];

export interface StoredPassword {
  hash: string;
  scheme: string;
}

/** A hash freshly made with today's scheme. */
export interface HashedPassword extends StoredPassword {
  scheme: PasswordScheme;
}

export class PasswordHasher {
  private readonly pepper: KeyObject;
  private readonly cost: number;
  private readonly work: PasswordWork;
  /** A real hash of a random password, compared against when an account does not exist. */
  private dummy: Promise<string> | undefined;

  constructor(options: { pepper: string; cost: number; work: PasswordWorkOptions }) {
    this.pepper = createSecretKey(Buffer.from(options.pepper, "utf8"));
    this.cost = options.cost;
    this.work = new PasswordWork(options.work);
  }

  /** bcrypt hashes and compares running now, and waiting for a thread (metrics). */
  get load(): { running: number; queued: number } {
    return this.work.load;
  }

  /** Throws PasswordWorkBusy when the password-work queue is full. */
  async hash(password: string): Promise<HashedPassword> {
    return { hash: await this.work.hash(this.prehash(password), this.cost), scheme: PasswordScheme.PepperedBcrypt };
  }

  /** Throws PasswordWorkBusy when the password-work queue is full. */
  async verify(password: string, stored: StoredPassword): Promise<boolean> {
    switch (stored.scheme) {
      case PasswordScheme.PepperedBcrypt:
        return this.work.compare(this.prehash(password), stored.hash);
      case PasswordScheme.LegacyBcrypt:
        // The original service hashed the raw password; bcrypt itself
        // truncates at 72 bytes, so refuse anything longer rather than accept
        // a password that merely shares the first 72 bytes.
        return Buffer.byteLength(password, "utf8") <= 72 && this.work.compare(password, stored.hash);
      default:
        return false;
    }
  }

  /** Spends the same work as verify() when there is no account to verify against. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.work.hash("dummy password that matches nothing", this.cost);
    // A failed dummy hash (a full queue) must not stick: the next call tries again.
    this.dummy.catch(() => (this.dummy = undefined));
    await this.work.compare(this.prehash(password), await this.dummy);
    return false;
  }

  /** True when a stored hash should be replaced by one made with today's scheme and cost. */
  needsRehash(stored: StoredPassword): boolean {
    if (stored.scheme !== PasswordScheme.PepperedBcrypt) return true;
    try {
      return bcrypt.getRounds(stored.hash) < this.cost;
    } catch {
      return true;
    }
  }

  /** Stops the password threads. */
  close(): Promise<void> {
    return this.work.close();
  }

  private prehash(password: string): string {
    return createHmac("sha384", this.pepper).update(password.normalize("NFKC"), "utf8").digest("base64");
  }
}

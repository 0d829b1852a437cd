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
import bcrypt from "bcrypt";
import { createHmac, type KeyObject, createSecretKey } from "node:crypto";

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
  private active = 0;
  /** A real hash of a random password, compared against when an account does not exist. */
  private dummy: Promise<string> | undefined;

  constructor(options: { pepper: string; cost: number }) {
    this.pepper = createSecretKey(Buffer.from(options.pepper, "utf8"));
    this.cost = options.cost;
  }

  /** bcrypt hashes and compares running now (a metric). */
  get inFlight(): number {
    return this.active;
  }

  async hash(password: string): Promise<HashedPassword> {
    return { hash: await this.work(() => bcrypt.hash(this.prehash(password), this.cost)), scheme: PasswordScheme.PepperedBcrypt };
  }

  async verify(password: string, stored: StoredPassword): Promise<boolean> {
    switch (stored.scheme) {
      case PasswordScheme.PepperedBcrypt:
        return this.work(() => bcrypt.compare(this.prehash(password), stored.hash));
      case PasswordScheme.LegacyBcrypt:
        // The original service hashed the raw password; bcrypt itself
        // truncates at 72 bytes, so refuse anything longer rather than accept
        // a password that merely shares the first 72 bytes.
        return Buffer.byteLength(password, "utf8") <= 72 && this.work(() => bcrypt.compare(password, stored.hash));
      default:
        return false;
    }
  }

  /** Spends the same work as verify() when there is no account to verify against. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= bcrypt.hash("dummy password that matches nothing", this.cost);
    const dummy = await this.dummy;
    await this.work(() => bcrypt.compare(this.prehash(password), dummy));
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

  private async work<T>(run: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await run();
    } finally {
      this.active--;
    }
  }

  private prehash(password: string): string {
    return createHmac("sha384", this.pepper).update(password.normalize("NFKC"), "utf8").digest("base64");
  }
}

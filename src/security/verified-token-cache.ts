// A client sends the same access token with every call until it expires, so
// the service verifies the same signature thousands of times. This keeps the
// claims of tokens that verified, keyed by the exact token text, until their
// `exp`: a repeat is a Map lookup instead of a signature check (HS256 today
// is ~10% of a profile read's CPU; an asymmetric algorithm costs several
// times that).
//
// Safe because the key is the whole token, signature included: a token that
// differs in any byte is verified afresh. Only successes are kept, so a bad
// token always gets the full check and its precise error. Entries are served
// strictly before `exp`; after it, verification (with its clock tolerance)
// decides again. Bounded: the oldest entry goes first when full.
import type { AccessTokenClaims } from "./access-tokens.js";

/** Enough for the distinct tokens in use on one instance during one token lifetime. */
const DEFAULT_MAX_ENTRIES = 10_000;

export class VerifiedTokenCache {
  private readonly entries = new Map<string, AccessTokenClaims>();
  private readonly maxEntries: number;

  constructor(
    private readonly tokens: { verify(token: string): AccessTokenClaims },
    private readonly options: { maxEntries?: number; now?: () => number } = {},
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** The claims of a valid token; throws what the underlying verify throws otherwise. */
  verify(token: string): AccessTokenClaims {
    const nowSeconds = (this.options.now?.() ?? Date.now()) / 1000;
    const cached = this.entries.get(token);
    if (cached !== undefined) {
      if (nowSeconds < cached.exp) return cached;
      this.entries.delete(token);
    }
    const claims = this.tokens.verify(token);
    if (nowSeconds < claims.exp) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(token, claims);
    }
    return claims;
  }

  get size(): number {
    return this.entries.size;
  }
}

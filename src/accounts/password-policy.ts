// NIST SP 800-63B-4 §3.1.1.2 beyond length (length is a plain field rule in
// src/validation): no composition rules, but refuse passwords an attacker
// tries first, and passwords built from the account's own email address or
// user name. Each check returns what to change, or undefined.
//
// "Tried first" is judged by zxcvbn-ts with the common dictionaries shipped in
// @zxcvbn-ts/language-common (about 49,000 leaked passwords and the EFF
// diceware list) plus its keyboard-pattern, sequence, repetition, date and
// l33t matchers. A plain list lookup misses what attackers actually try on
// long passwords: `password123456789` is in no list, but it is two entries of
// one glued together, and zxcvbn prices it at about 10^4 guesses.
import { createRequire } from "node:module";
import { ZxcvbnFactory } from "@zxcvbn-ts/core";

/**
 * Below this many estimated guesses a password is refused. 10^8 is zxcvbn's
 * score 3; every common password, glued-together common passwords and
 * patterns like `qwertyuiopasdfgh` fall well below it, while passphrases of a
 * few ordinary words land far above (`correct horse battery staple`: 10^19).
 */
const MIN_GUESSES_LOG10 = 8;
/**
 * The estimator's cost grows quickly with length (hundreds of milliseconds of
 * blocking CPU for crafted 128-character input). It judges the first 64
 * characters: a password whose first 64 are hard to guess is hard to guess.
 */
const ESTIMATE_MAX_LENGTH = 64;
/** Context words shorter than this (a user called "al") would refuse too much. */
const CONTEXT_MIN_LENGTH = 4;

let estimator: ZxcvbnFactory | undefined;

/** What is wrong with a new password on its own; undefined when it is fine. */
export function guessabilityProblem(password: string): string | undefined {
  estimator ??= createEstimator();
  const { guessesLog10 } = estimator.check(password.normalize("NFKC"));
  if (guessesLog10 >= MIN_GUESSES_LOG10) return undefined;
  return (
    "is too easy to guess: it is a common password or made of common passwords, " +
    "repetitions, sequences or keyboard patterns; use a passphrase of several unrelated words"
  );
}

/** Built on first use, not at start-up: decompressing the dictionaries takes a good part of a second. */
function createEstimator(): ZxcvbnFactory {
  const common = createRequire(import.meta.url)("@zxcvbn-ts/language-common") as typeof import("@zxcvbn-ts/language-common");
  return new ZxcvbnFactory({
    dictionary: common.dictionary,
    graphs: common.adjacencyGraphs,
    maxLength: ESTIMATE_MAX_LENGTH,
    l33tMaxSubstitutions: 10,
  });
}

/** What is wrong with a new password given the account it is for; undefined when it is fine. */
export function contextProblem(password: string, account: { email: string; user: string }): string | undefined {
  const fold = (value: string) => value.normalize("NFKC").toLowerCase();
  const candidate = fold(password);
  const email = fold(account.email.trim());
  const words = [email, email.slice(0, email.lastIndexOf("@")), fold(account.user.trim())];
  if (words.some((word) => [...word].length >= CONTEXT_MIN_LENGTH && candidate.includes(word))) {
    return "must not contain your email address or user name";
  }
  return undefined;
}

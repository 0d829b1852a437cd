// Field checks: small functions that return what is wrong with a value (a
// sentence a user can act on) or undefined when it is fine.
export type Check<T extends string | number = string> = (value: T) => string | undefined;

const CONTROL_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Length in Unicode code points, so "🔑" counts as one character. */
export const codePoints = (value: string): number => {
  let count = 0;
  for (const _ of value) count++;
  return count;
};

export const required: Check = (value) => (value.trim() === "" ? "is required" : undefined);

/** For optional fields: when present, they must say something. */
export const notBlank: Check = (value) => (value.trim() === "" ? "must not be empty" : undefined);

export const maxCodePoints =
  (max: number): Check =>
  (value) =>
    codePoints(value) > max ? `must be at most ${max} characters` : undefined;

export const maxBytes =
  (max: number): Check =>
  (value) =>
    Buffer.byteLength(value, "utf8") > max ? `must be at most ${max} bytes` : undefined;

export const noControlCharacters: Check = (value) =>
  CONTROL_CHARACTERS.test(value) ? "must not contain control characters" : undefined;

export const uuid: Check = (value) => (UUID.test(value) ? undefined : "must be a UUID");

/**
 * A pragmatic address check (RFC 5321 lengths, one @, a dotted domain, no
 * white space or control characters), written without backtracking-prone
 * regular expressions. Deliverability is what email verification proves.
 */
export const emailAddress: Check = (raw) => {
  const value = raw.trim();
  if (value.length > 254) return "must be at most 254 characters";
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const valid =
    at > 0 &&
    local.length <= 64 &&
    !local.includes("@") &&
    !/[\s\p{Cc}\p{Cf}"(),:;<>[\\\]]/u.test(value) &&
    domain.length >= 3 &&
    domain.includes(".") &&
    !domain.startsWith(".") &&
    !domain.endsWith(".") &&
    !domain.includes("..") &&
    !domain.startsWith("-");
  return valid ? undefined : "must be a valid email address, like name@example.com";
};

/** NIST SP 800-63B: a length range in code points, any characters, no composition rules. */
export const passwordLength =
  (policy: { minLength: number; maxLength: number; maxBytes: number }): Check =>
  (value) => {
    if (Buffer.byteLength(value, "utf8") > policy.maxBytes) return `must be at most ${policy.maxBytes} bytes`;
    const length = codePoints(value.normalize("NFKC"));
    if (length < policy.minLength) return `must be at least ${policy.minLength} characters`;
    if (length > policy.maxLength) return `must be at most ${policy.maxLength} characters`;
    return undefined;
  };

export const intRange =
  (min: number, max: number): Check<number> =>
  (value) =>
    value < min || value > max ? `must be between ${min} and ${max}` : undefined;

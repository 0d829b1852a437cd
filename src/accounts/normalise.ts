// The one home of input normalisation: what is stored and compared.

/** Emails are stored and compared trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** User names are stored trimmed; uniqueness ignores case (a database index). */
export function normaliseUserName(user: string): string {
  return user.trim();
}

import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity } from "@mikro-orm/core";

// Uniqueness is the database's job: these expression indexes make email and
// user name unique case-insensitively, whatever writes the row.
export const USERS_EMAIL_UNIQUE = "users_email_lower_unique";
export const USERS_USER_UNIQUE = "users_user_lower_unique";

export const UserSchema = defineEntity({
  name: "User",
  tableName: "users",
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: p.string().length(64),
    email: p.string().length(254),
    passwordHash: p.text().hidden().lazy(true, false),
    // Which PasswordScheme made the hash (src/security/password-hasher.ts).
    passwordScheme: p.enum(["hmac-sha384-bcrypt", "bcrypt"]).hidden(),
    // When the owner confirmed the address with a mailed link; null until then and after a change.
    emailVerifiedAt: p.datetime().nullable(),
    // Wrong passwords since the last success or password change; at the
    // configured ceiling the password stops working until a reset.
    failedLogins: p.integer().default(0).hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    // The same instant as createdAt on insert (two `new Date()` calls could
    // straddle a millisecond); hooks run in property order.
    updatedAt: p
      .datetime()
      .onCreate((user) => user.createdAt)
      .onUpdate(() => new Date()),
  }),
  uniques: [
    { name: USERS_EMAIL_UNIQUE, expression: `create unique index "${USERS_EMAIL_UNIQUE}" on "users" (lower("email"))` },
    { name: USERS_USER_UNIQUE, expression: `create unique index "${USERS_USER_UNIQUE}" on "users" (lower("user"))` },
  ],
  // Defence in depth: rows written by hand must follow the same rules.
  checks: [
    { name: "users_email_normalised", expression: `"email" = lower(btrim("email"))` },
  ],
});

export type User = InferEntity<typeof UserSchema>;

import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { UserSchema } from "./user.js";

export const TOKEN_PURPOSES = ["verify_email", "reset_password"] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/**
 * Mailed one-time secrets (email verification, password reset). Only the
 * SHA-256 of the token is stored; the row binds it to one user, one purpose
 * and the address it was sent to. Spent by setting used_at, atomically.
 */
export const OneTimeTokenSchema = defineEntity({
  name: "OneTimeToken",
  tableName: "one_time_tokens",
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: p.manyToOne(UserSchema).deleteRule("cascade"),
    purpose: p.enum([...TOKEN_PURPOSES]),
    // Hex SHA-256 of the token.
    tokenHash: p.string().length(64).unique("one_time_tokens_token_hash_unique"),
    email: p.string().length(254),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  }),
  indexes: [{ name: "one_time_tokens_user_purpose", properties: ["user", "purpose", "createdAt"] }],
});

export type OneTimeToken = InferEntity<typeof OneTimeTokenSchema>;

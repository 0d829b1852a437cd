import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { UserSchema } from "./user.js";

/** Why a session ended early (src/accounts/sessions.ts). */
export const RevokedReason = {
  Logout: "logout",
  LogoutAll: "logout_all",
  Revoked: "revoked",
  PasswordChanged: "password_changed",
  PasswordReset: "password_reset",
  TokenReuse: "token_reuse",
  Evicted: "evicted",
} as const;
export type RevokedReason = (typeof RevokedReason)[keyof typeof RevokedReason];

// A session is one Login and the family of refresh tokens rotated from it.
// Every change to a family runs with this row locked, so concurrent
// refreshes and revocations of one session take turns.
export const SessionSchema = defineEntity({
  name: "Session",
  tableName: "sessions",
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: p.manyToOne(UserSchema).deleteRule("cascade").index("sessions_user_id_index"),
    createdAt: p.datetime(),
    /** The Login, or the latest Refresh. */
    lastUsedAt: p.datetime(),
    /**
     * The idle limit (lastUsedAt + refresh TTL), never past
     * absoluteExpiresAt. Revocation brings it within a day; a Login then
     * prunes sessions past it.
     */
    expiresAt: p.datetime().index("sessions_expires_at_index"),
    absoluteExpiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.enum(Object.values(RevokedReason)).nullable(),
    /** As the client sent them at Login: informative only. */
    userAgent: p.string().length(256).nullable(),
    clientAddress: p.string().length(64).nullable(),
  }),
  checks: [
    { name: "sessions_revoked_with_reason", expression: `("revoked_at" is null) = ("revoked_reason" is null)` },
    { name: "sessions_expiry_in_order", expression: `"expires_at" <= "absolute_expires_at"` },
  ],
});

export type Session = InferEntity<typeof SessionSchema>;

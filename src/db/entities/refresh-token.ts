import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { SessionSchema } from "./session.js";

// One refresh token of a session's family. Only its SHA-256 digest is kept.
// Spent tokens stay until the session is gone: presenting one again is how
// theft is noticed.
export const RefreshTokenSchema = defineEntity({
  name: "RefreshToken",
  tableName: "refresh_tokens",
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    session: p.manyToOne(SessionSchema).deleteRule("cascade").index("refresh_tokens_session_id_index"),
    /** Lower-case hex SHA-256 of the token. */
    tokenHash: p.string().length(64).unique("refresh_tokens_token_hash_unique"),
    createdAt: p.datetime(),
    spentAt: p.datetime().nullable(),
    /**
     * The token that replaced this one, encrypted under a key derived from
     * this token (src/security/refresh-tokens.ts): only whoever presents
     * this token can read it, and only during the reuse grace window; the
     * next Refresh or Login after that erases it.
     */
    successorSealed: p.text().nullable(),
  }),
  indexes: [
    // Finds the few sealed successors to erase without scanning the table.
    {
      name: "refresh_tokens_sealed_spent_at_index",
      expression: `create index "refresh_tokens_sealed_spent_at_index" on "refresh_tokens" ("spent_at") where "successor_sealed" is not null`,
    },
  ],
  checks: [
    { name: "refresh_tokens_hash_hex", expression: `"token_hash" ~ '^[0-9a-f]{64}$'` },
    { name: "refresh_tokens_successor_when_spent", expression: `"successor_sealed" is null or "spent_at" is not null` },
  ],
});

export type RefreshToken = InferEntity<typeof RefreshTokenSchema>;

import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { RevokedReason } from "./session.js";
import { UserSchema } from "./user.js";

export const AUDIT_EVENT_TYPES = [
  "account_created",
  "login",
  "password_changed",
  "email_changed",
  "user_name_changed",
  "email_verified",
  "password_reset_requested",
  "password_reset",
  "refresh_token_reused",
  "session_revoked",
  "all_sessions_revoked",
  "rate_limited",
] as const;
export const AUDIT_OUTCOMES = ["success", "failure", "blocked"] as const;

/**
 * The security log: what happened to which account, from where. Rows are
 * written in the same transaction as the change they describe, and pruned
 * after the retention period.
 */
export const AuditEventSchema = defineEntity({
  name: "AuditEvent",
  tableName: "audit_events",
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    occurredAt: p.datetime().onCreate(() => new Date()),
    // Unknown accounts (a login with an unregistered email) have no user.
    user: p.manyToOne(UserSchema).nullable().deleteRule("cascade"),
    type: p.enum([...AUDIT_EVENT_TYPES]),
    outcome: p.enum([...AUDIT_OUTCOMES]),
    clientAddress: p.string().length(64),
    userAgent: p.string().length(256),
    requestId: p.string().length(128),
    // The session a sign-in started or an event ended (no foreign key: ended
    // sessions are pruned long before their events).
    sessionId: p.uuid().nullable(),
    // Why the session, or every session, ended.
    sessionEndReason: p.enum(Object.values(RevokedReason)).nullable(),
  }),
  indexes: [
    { name: "audit_events_user_time", properties: ["user", "occurredAt", "id"] },
    { name: "audit_events_time", properties: ["occurredAt"] },
  ],
});

export type AuditEvent = InferEntity<typeof AuditEventSchema>;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

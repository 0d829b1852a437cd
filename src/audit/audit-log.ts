// Recording security events. The row joins the caller's unit of work, so it
// commits or rolls back with the change it describes.
import type { EntityManager } from "@mikro-orm/postgresql";
import { AuditEventSchema, type AuditEventType, type AuditOutcome } from "../db/entities/audit-event.js";
import type { RevokedReason } from "../db/entities/session.js";
import type { User } from "../db/entities/user.js";
import type { RequestOrigin } from "../accounts/request-origin.js";

export interface SecurityEventInput {
  type: AuditEventType;
  outcome: AuditOutcome;
  /** The account (an entity: a new one has no id before the flush); null when unknown. */
  user: User | null;
  origin: RequestOrigin;
  /** The session a sign-in started, or the one an event ended. */
  sessionId?: string;
  /** Why the session (or every session) ended. */
  sessionEndReason?: RevokedReason;
}

/** Adds the event to `em`'s unit of work; it is written by the caller's next flush. */
export function recordSecurityEvent(em: EntityManager, event: SecurityEventInput): void {
  em.create(AuditEventSchema, {
    type: event.type,
    outcome: event.outcome,
    user: event.user,
    clientAddress: event.origin.clientAddress.slice(0, 64),
    userAgent: event.origin.userAgent.slice(0, 256),
    requestId: event.origin.requestId.slice(0, 128),
    sessionId: event.sessionId ?? null,
    sessionEndReason: event.sessionEndReason ?? null,
  });
}

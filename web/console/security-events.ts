// Readable words for the security log's event types and outcomes. The
// Record types make the compiler ask for a label whenever the contract adds
// a value; a value newer than this build still gets a neutral one.
import {
  SecurityEventOutcome,
  SecurityEventType,
  SessionEndReason,
  type SecurityEvent,
} from "../../gen/auth/v1/security_event_pb.js";

const typeLabels: Record<SecurityEventType, string> = {
  [SecurityEventType.UNSPECIFIED]: "Unspecified activity",
  [SecurityEventType.ACCOUNT_CREATED]: "Account created",
  [SecurityEventType.LOGIN]: "Sign-in",
  [SecurityEventType.PASSWORD_CHANGED]: "Password changed",
  [SecurityEventType.EMAIL_CHANGED]: "Email address changed",
  [SecurityEventType.USER_NAME_CHANGED]: "User name changed",
  [SecurityEventType.EMAIL_VERIFIED]: "Email address confirmed",
  [SecurityEventType.PASSWORD_RESET_REQUESTED]: "Password reset link requested",
  [SecurityEventType.PASSWORD_RESET]: "Password reset",
  [SecurityEventType.REFRESH_TOKEN_REUSED]: "Reused sign-in token refused, session ended",
  [SecurityEventType.SESSION_REVOKED]: "Session signed out",
  [SecurityEventType.ALL_SESSIONS_REVOKED]: "All sessions signed out",
  [SecurityEventType.RATE_LIMITED]: "Sign-ins blocked: too many attempts",
};

/** Why sessions ended, where the event type alone does not say. */
const endReasonLabels: Record<SessionEndReason, string> = {
  [SessionEndReason.UNSPECIFIED]: "",
  [SessionEndReason.LOGOUT]: "signed out on that device",
  [SessionEndReason.REVOKED]: "from another session",
  [SessionEndReason.LOGOUT_ALL]: "sign out everywhere",
  [SessionEndReason.PASSWORD_CHANGED]: "password changed",
  [SessionEndReason.PASSWORD_RESET]: "password reset",
  [SessionEndReason.REFRESH_TOKEN_REUSED]: "reused sign-in token",
  [SessionEndReason.SESSION_LIMIT]: "too many sessions, the oldest ends",
};

const outcomeLabels: Record<SecurityEventOutcome, string> = {
  [SecurityEventOutcome.UNSPECIFIED]: "Unknown",
  [SecurityEventOutcome.SUCCESS]: "Success",
  [SecurityEventOutcome.FAILURE]: "Failure",
  [SecurityEventOutcome.BLOCKED]: "Blocked",
};

/** What happened, e.g. "Account created". */
export function eventTypeLabel(type: SecurityEventType): string {
  return typeLabels[type] ?? `Other activity (type ${type})`;
}

/**
 * What happened, with why for a session's end: "Session signed out (from
 * another session)". The reuse event's own label already says why.
 */
export function eventLabel(event: Pick<SecurityEvent, "type" | "sessionEndReason">): string {
  const label = eventTypeLabel(event.type);
  const why = event.type === SecurityEventType.REFRESH_TOKEN_REUSED ? "" : (endReasonLabels[event.sessionEndReason] ?? "");
  return why === "" ? label : `${label} (${why})`;
}

/** How it ended: "Success", "Failure" or "Blocked". */
export function outcomeLabel(outcome: SecurityEventOutcome): string {
  return outcomeLabels[outcome] ?? "Unknown";
}

/** A class name for the outcome's badge: "success", "failure", "blocked" or "unknown". */
export function outcomeClass(outcome: SecurityEventOutcome): string {
  return (outcomeLabels[outcome] ?? "Unknown").toLowerCase();
}

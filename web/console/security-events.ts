// Readable words for the security log's event types and outcomes. The
// Record types make the compiler ask for a label whenever the contract adds
// a value; a value newer than this build still gets a neutral one.
import { SecurityEventOutcome, SecurityEventType } from "../../gen/auth/v1/security_event_pb.js";

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

/** How it ended: "Success", "Failure" or "Blocked". */
export function outcomeLabel(outcome: SecurityEventOutcome): string {
  return outcomeLabels[outcome] ?? "Unknown";
}

/** A class name for the outcome's badge: "success", "failure", "blocked" or "unknown". */
export function outcomeClass(outcome: SecurityEventOutcome): string {
  return (outcomeLabels[outcome] ?? "Unknown").toLowerCase();
}

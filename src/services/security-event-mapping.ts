import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  SecurityEventOutcome,
  SecurityEventSchema,
  SecurityEventType,
  SessionEndReason,
  type SecurityEvent,
} from "../../gen/auth/v1/security_event_pb.js";
import type { AuditEvent, AuditEventType, AuditOutcome } from "../db/entities/audit-event.js";
import type { RevokedReason } from "../db/entities/session.js";

const types: Record<AuditEventType, SecurityEventType> = {
  account_created: SecurityEventType.ACCOUNT_CREATED,
  login: SecurityEventType.LOGIN,
  password_changed: SecurityEventType.PASSWORD_CHANGED,
  email_changed: SecurityEventType.EMAIL_CHANGED,
  user_name_changed: SecurityEventType.USER_NAME_CHANGED,
  email_verified: SecurityEventType.EMAIL_VERIFIED,
  password_reset_requested: SecurityEventType.PASSWORD_RESET_REQUESTED,
  password_reset: SecurityEventType.PASSWORD_RESET,
  refresh_token_reused: SecurityEventType.REFRESH_TOKEN_REUSED,
  session_revoked: SecurityEventType.SESSION_REVOKED,
  all_sessions_revoked: SecurityEventType.ALL_SESSIONS_REVOKED,
  rate_limited: SecurityEventType.RATE_LIMITED,
};

const outcomes: Record<AuditOutcome, SecurityEventOutcome> = {
  success: SecurityEventOutcome.SUCCESS,
  failure: SecurityEventOutcome.FAILURE,
  blocked: SecurityEventOutcome.BLOCKED,
};

const endReasons: Record<RevokedReason, SessionEndReason> = {
  logout: SessionEndReason.LOGOUT,
  revoked: SessionEndReason.REVOKED,
  logout_all: SessionEndReason.LOGOUT_ALL,
  password_changed: SessionEndReason.PASSWORD_CHANGED,
  password_reset: SessionEndReason.PASSWORD_RESET,
  token_reuse: SessionEndReason.REFRESH_TOKEN_REUSED,
  evicted: SessionEndReason.SESSION_LIMIT,
};

export function toSecurityEvent(event: AuditEvent): SecurityEvent {
  return create(SecurityEventSchema, {
    id: event.id,
    type: types[event.type],
    outcome: outcomes[event.outcome],
    occurredAt: timestampFromDate(event.occurredAt),
    clientAddress: event.clientAddress,
    userAgent: event.userAgent,
    sessionId: event.sessionId ?? "",
    sessionEndReason: event.sessionEndReason == null ? SessionEndReason.UNSPECIFIED : endReasons[event.sessionEndReason],
  });
}

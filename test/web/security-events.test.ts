// The console's words for the security log: one of its own for every value
// the contract defines, and still something readable for a newer one.
import { describe, expect, it } from "vitest";
import {
  SecurityEventOutcome,
  SecurityEventOutcomeSchema,
  SecurityEventType,
  SecurityEventTypeSchema,
  SessionEndReason,
  SessionEndReasonSchema,
} from "../../gen/auth/v1/security_event_pb.js";
import { eventLabel, eventTypeLabel, outcomeClass, outcomeLabel } from "../../web/console/security-events.js";

describe("the security log's labels", () => {
  it("gives every event type of the contract a label of its own", () => {
    const labels = SecurityEventTypeSchema.values.map((v) => eventTypeLabel(v.number));
    expect(new Set(labels).size).toBe(labels.length);
    for (const label of labels) expect(label).not.toMatch(/^Other activity/);
    expect(eventTypeLabel(SecurityEventType.REFRESH_TOKEN_REUSED)).toBe("Reused sign-in token refused, session ended");
    expect(eventTypeLabel(SecurityEventType.RATE_LIMITED)).toBe("Sign-ins blocked: too many attempts");
  });

  it("says why a session ended, in words of its own for every reason of the contract", () => {
    const reasons = SessionEndReasonSchema.values.filter((v) => v.number !== SessionEndReason.UNSPECIFIED);
    const labels = reasons.map((v) => eventLabel({ type: SecurityEventType.SESSION_REVOKED, sessionEndReason: v.number }));
    expect(new Set(labels).size).toBe(reasons.length);
    for (const label of labels) expect(label).toMatch(/^Session signed out \(.+\)$/);
    expect(eventLabel({ type: SecurityEventType.SESSION_REVOKED, sessionEndReason: SessionEndReason.REVOKED })).toBe(
      "Session signed out (from another session)",
    );
    expect(eventLabel({ type: SecurityEventType.ALL_SESSIONS_REVOKED, sessionEndReason: SessionEndReason.PASSWORD_CHANGED })).toBe(
      "All sessions signed out (password changed)",
    );
    // Nothing to add where there is no reason, or where the type already says it.
    expect(eventLabel({ type: SecurityEventType.LOGIN, sessionEndReason: SessionEndReason.UNSPECIFIED })).toBe("Sign-in");
    expect(
      eventLabel({ type: SecurityEventType.REFRESH_TOKEN_REUSED, sessionEndReason: SessionEndReason.REFRESH_TOKEN_REUSED }),
    ).toBe("Reused sign-in token refused, session ended");
    expect(eventLabel({ type: SecurityEventType.SESSION_REVOKED, sessionEndReason: 99 as SessionEndReason })).toBe("Session signed out");
  });

  it("names an event type newer than this build by its number", () => {
    expect(eventTypeLabel(99 as SecurityEventType)).toBe("Other activity (type 99)");
  });

  it("reads every outcome, and an unknown one as Unknown", () => {
    expect(SecurityEventOutcomeSchema.values.map((v) => outcomeLabel(v.number))).toEqual(["Unknown", "Success", "Failure", "Blocked"]);
    expect(outcomeClass(SecurityEventOutcome.BLOCKED)).toBe("blocked");
    expect(outcomeLabel(7 as SecurityEventOutcome)).toBe("Unknown");
    expect(outcomeClass(7 as SecurityEventOutcome)).toBe("unknown");
  });
});

import { AuditEventSchema } from "./audit-event.js";
import { EmailOutboxSchema } from "./email-outbox.js";
import { OneTimeTokenSchema } from "./one-time-token.js";
import { RateLimitSchema } from "./rate-limit.js";
import { RefreshTokenSchema } from "./refresh-token.js";
import { SessionSchema } from "./session.js";
import { UserSchema } from "./user.js";

/** Every entity, for the ORM configuration. */
export const entities = [
  UserSchema,
  SessionSchema,
  RefreshTokenSchema,
  AuditEventSchema,
  RateLimitSchema,
  OneTimeTokenSchema,
  EmailOutboxSchema,
];

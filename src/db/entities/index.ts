import { AuditEventSchema } from "./audit-event.js";
import { UserSchema } from "./user.js";

/** Every entity, for the ORM configuration. */
export const entities = [UserSchema, AuditEventSchema];

// Every migration, in order. Listed explicitly (rather than discovered by file
// glob) so the same list works under tsx, vitest and the MikroORM CLI.
// `npm run migration:create` writes a new file: add it here.
import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261125091112_users } from "./Migration20261125091112_users.js";
import { Migration20261125094107_sessions } from "./Migration20261125094107_sessions.js";
import { Migration20261125095415_audit_events } from "./Migration20261125095415_audit_events.js";
import { Migration20261125100510_rate_limits } from "./Migration20261125100510_rate_limits.js";
import { Migration20261125101226_recovery } from "./Migration20261125101226_recovery.js";
import { Migration20261125114951_AuditSessionEvents } from "./Migration20261125114951_AuditSessionEvents.js";
import { Migration20261125120000_audit_append_only } from "./Migration20261125120000_audit_append_only.js";
import { Migration20261125124119_MailRecipientLimit } from "./Migration20261125124119_MailRecipientLimit.js";
import { Migration20261125124355_PasswordFailureCeiling } from "./Migration20261125124355_PasswordFailureCeiling.js";
import { Migration20261125143000_AuditSessionDetail } from "./Migration20261125143000_AuditSessionDetail.js";

export const migrationsList: MigrationObject[] = [
  { name: "Migration20261125091112_users", class: Migration20261125091112_users },
  { name: "Migration20261125094107_sessions", class: Migration20261125094107_sessions },
  { name: "Migration20261125095415_audit_events", class: Migration20261125095415_audit_events },
  { name: "Migration20261125100510_rate_limits", class: Migration20261125100510_rate_limits },
  { name: "Migration20261125101226_recovery", class: Migration20261125101226_recovery },
  { name: "Migration20261125114951_AuditSessionEvents", class: Migration20261125114951_AuditSessionEvents },
  { name: "Migration20261125120000_audit_append_only", class: Migration20261125120000_audit_append_only },
  { name: "Migration20261125124119_MailRecipientLimit", class: Migration20261125124119_MailRecipientLimit },
  { name: "Migration20261125124355_PasswordFailureCeiling", class: Migration20261125124355_PasswordFailureCeiling },
  { name: "Migration20261125143000_AuditSessionDetail", class: Migration20261125143000_AuditSessionDetail },
];

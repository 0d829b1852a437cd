import { Migration } from '@mikro-orm/migrations';

export class Migration20261125143000_AuditSessionDetail extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "audit_events" add column "session_id" uuid null, add column "session_end_reason" text check ("session_end_reason" in ('logout', 'logout_all', 'revoked', 'password_changed', 'password_reset', 'token_reuse', 'evicted')) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_events" drop column "session_id", drop column "session_end_reason";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261125114951_AuditSessionEvents extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "audit_events" drop constraint if exists "audit_events_type_check";`);

    this.addSql(`alter table "audit_events" add constraint "audit_events_type_check" check("type" in ('account_created', 'login', 'password_changed', 'email_changed', 'user_name_changed', 'email_verified', 'password_reset_requested', 'password_reset', 'refresh_token_reused', 'session_revoked', 'all_sessions_revoked', 'rate_limited'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_events" drop constraint if exists "audit_events_type_check";`);

    this.addSql(`alter table "audit_events" add constraint "audit_events_type_check" check("type" in ('account_created', 'login', 'password_changed', 'email_changed', 'user_name_changed', 'email_verified', 'password_reset_requested', 'password_reset'));`);
  }

}

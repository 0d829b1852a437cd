import { Migration } from '@mikro-orm/migrations';

export class Migration20261125124355_PasswordFailureCeiling extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "email_outbox" drop constraint if exists "email_outbox_template_check";`);

    this.addSql(`alter table "email_outbox" add constraint "email_outbox_template_check" check("template" in ('verify_email', 'reset_password', 'password_changed', 'password_disabled'));`);

    this.addSql(`alter table "users" add column "failed_logins" int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "email_outbox" drop constraint if exists "email_outbox_template_check";`);

    this.addSql(`alter table "email_outbox" add constraint "email_outbox_template_check" check("template" in ('verify_email', 'reset_password', 'password_changed'));`);

    this.addSql(`alter table "users" drop column "failed_logins";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261125124119_MailRecipientLimit extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "email_outbox_recipient_time" on "email_outbox" ("recipient", "template", "created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "email_outbox_recipient_time";`);
  }

}

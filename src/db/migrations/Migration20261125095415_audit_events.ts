import { Migration } from '@mikro-orm/migrations';

export class Migration20261125095415_audit_events extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_events" ("id" uuid not null, "occurred_at" timestamptz not null, "user_id" uuid null, "type" text check ("type" in ('account_created', 'login', 'password_changed', 'email_changed', 'user_name_changed')) not null, "outcome" text check ("outcome" in ('success', 'failure', 'blocked')) not null, "client_address" varchar(64) not null, "user_agent" varchar(256) not null, "request_id" varchar(128) not null, constraint "audit_events_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_events_user_time" on "audit_events" ("user_id", "occurred_at", "id");`);
    this.addSql(`create index "audit_events_time" on "audit_events" ("occurred_at");`);

    this.addSql(`alter table "audit_events" add constraint "audit_events_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_events" cascade;`);
  }

}

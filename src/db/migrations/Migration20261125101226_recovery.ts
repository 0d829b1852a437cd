import { Migration } from '@mikro-orm/migrations';

export class Migration20261125101226_recovery extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "email_outbox" ("id" uuid not null, "recipient" varchar(254) not null, "template" text check ("template" in ('verify_email', 'reset_password', 'password_changed')) not null, "payload" jsonb null, "created_at" timestamptz not null, "next_attempt_at" timestamptz not null, "attempts" int not null default 0, "last_error" varchar(512) null, "sent_at" timestamptz null, constraint "email_outbox_pkey" primary key ("id"));`);
    this.addSql(`create index "email_outbox_pending" on "email_outbox" ("sent_at", "next_attempt_at");`);

    this.addSql(`create table "one_time_tokens" ("id" uuid not null, "user_id" uuid not null, "purpose" text check ("purpose" in ('verify_email', 'reset_password')) not null, "token_hash" varchar(64) not null, "email" varchar(254) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "one_time_tokens_pkey" primary key ("id"));`);
    this.addSql(`alter table "one_time_tokens" add constraint "one_time_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "one_time_tokens_user_purpose" on "one_time_tokens" ("user_id", "purpose", "created_at");`);

    this.addSql(`alter table "one_time_tokens" add constraint "one_time_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "audit_events" drop constraint if exists "audit_events_type_check";`);

    this.addSql(`alter table "users" add column "email_verified_at" timestamptz null;`);

    this.addSql(`alter table "audit_events" add constraint "audit_events_type_check" check("type" in ('account_created', 'login', 'password_changed', 'email_changed', 'user_name_changed', 'email_verified', 'password_reset_requested', 'password_reset'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "email_outbox" cascade;`);

    this.addSql(`drop table if exists "one_time_tokens" cascade;`);

    this.addSql(`alter table "audit_events" drop constraint if exists "audit_events_type_check";`);

    this.addSql(`alter table "audit_events" add constraint "audit_events_type_check" check("type" in ('account_created', 'login', 'password_changed', 'email_changed', 'user_name_changed'));`);

    this.addSql(`alter table "users" drop column "email_verified_at";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261125091112_users extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "users" ("id" uuid not null, "user" varchar(64) not null, "email" varchar(254) not null, "password_hash" text not null, "password_scheme" text check ("password_scheme" in ('hmac-sha384-bcrypt', 'bcrypt')) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "users_pkey" primary key ("id"), constraint users_email_normalised check ("email" = lower(btrim("email"))));`);
    this.addSql(`create unique index "users_email_lower_unique" on "users" (lower("email"));`);
    this.addSql(`create unique index "users_user_lower_unique" on "users" (lower("user"));`);
  }

}

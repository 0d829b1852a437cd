import { Migration } from '@mikro-orm/migrations';

export class Migration20261125094107_sessions extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "sessions" ("id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "absolute_expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" text check ("revoked_reason" in ('logout', 'logout_all', 'revoked', 'password_changed', 'password_reset', 'token_reuse', 'evicted')) null, "user_agent" varchar(256) null, "client_address" varchar(64) null, constraint "sessions_pkey" primary key ("id"), constraint sessions_revoked_with_reason check (("revoked_at" is null) = ("revoked_reason" is null)), constraint sessions_expiry_in_order check ("expires_at" <= "absolute_expires_at"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_expires_at_index" on "sessions" ("expires_at");`);

    this.addSql(`create table "refresh_tokens" ("id" uuid not null, "session_id" uuid not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "spent_at" timestamptz null, "successor_sealed" text null, constraint "refresh_tokens_pkey" primary key ("id"), constraint refresh_tokens_hash_hex check ("token_hash" ~ '^[0-9a-f]{64}\$'), constraint refresh_tokens_successor_when_spent check ("successor_sealed" is null or "spent_at" is not null));`);
    this.addSql(`create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id");`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "refresh_tokens_sealed_spent_at_index" on "refresh_tokens" ("spent_at") where "successor_sealed" is not null;`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "refresh_tokens" drop constraint "refresh_tokens_session_id_foreign";`);

    this.addSql(`drop table if exists "sessions" cascade;`);

    this.addSql(`drop table if exists "refresh_tokens" cascade;`);
  }

}

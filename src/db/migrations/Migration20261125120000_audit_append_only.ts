import { Migration } from '@mikro-orm/migrations';

/**
 * The security log is append-only (SECURITY.md LG-05): no role that is
 * subject to triggers can rewrite or erase a recent event. Rows may be
 * deleted only once they are older than the shortest retention the service
 * accepts (AUDIT_RETENTION_DAYS >= 1), or together with their account.
 * Hand-written: the ORM's schema diff does not model triggers.
 */
export class Migration20261125120000_audit_append_only extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create function "audit_events_append_only"() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    raise exception 'audit_events rows cannot be changed' using errcode = 'insufficient_privilege';
  end if;
  if old."occurred_at" < now() - interval '1 day'
     or old."user_id" is not null and not exists (select 1 from "users" where "id" = old."user_id") then
    return old;
  end if;
  raise exception 'audit_events rows younger than a day cannot be deleted' using errcode = 'insufficient_privilege';
end
$$;`);
    this.addSql(`create trigger "audit_events_append_only" before update or delete on "audit_events" for each row execute function "audit_events_append_only"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "audit_events_append_only" on "audit_events";`);
    this.addSql(`drop function if exists "audit_events_append_only"();`);
  }

}

// Deletes rows that have served their purpose, in small batches so no long
// lock is held: old security events (AUDIT_RETENTION_DAYS), mail sent a week
// ago, and one-time tokens a day past their expiry. Every instance may run
// it: deletes are idempotent.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";

const BATCH = 5_000;

interface RetentionRule {
  /** What the rows are, for the log. */
  name: string;
  table: string;
  /** SQL condition true for the rows to delete; `?` placeholders take `params`. */
  expired: string;
  params: unknown[];
}

export function retentionRules(options: { auditRetentionDays: number }): RetentionRule[] {
  return [
    {
      name: "security events",
      table: "audit_events",
      expired: `occurred_at < now() - make_interval(days => ?)`,
      params: [options.auditRetentionDays],
    },
    // Kept a week for delivery questions; the per-address mail limits look back an hour.
    { name: "sent mail", table: "email_outbox", expired: `sent_at < now() - interval '7 days'`, params: [] },
    // A day past expiry, used or not: a second click on a used link is answered within its lifetime.
    { name: "one-time tokens", table: "one_time_tokens", expired: `expires_at < now() - interval '1 day'`, params: [] },
  ];
}

/** Runs every rule once; the number of rows deleted, by rule name. */
export async function pruneExpired(orm: MikroORM, rules: readonly RetentionRule[]): Promise<Record<string, number>> {
  const knex = orm.em.getKnex();
  const deleted: Record<string, number> = {};
  for (const rule of rules) {
    let total = 0;
    for (;;) {
      const batch = await knex(rule.table)
        .whereIn("id", knex(rule.table).select("id").whereRaw(rule.expired, rule.params as never[]).limit(BATCH))
        .delete();
      total += batch;
      if (batch < BATCH) break;
    }
    deleted[rule.name] = total;
  }
  return deleted;
}

/** Prunes now and then every `intervalMs`, logging what it deleted; `stop` ends it. */
export function startRetention(options: { orm: MikroORM; rules: RetentionRule[]; intervalMs: number; log: Logger }) {
  const run = () => {
    pruneExpired(options.orm, options.rules).then(
      (deleted) => Object.values(deleted).some((n) => n > 0) && options.log.info({ deleted }, "pruned old rows"),
      (error: unknown) => options.log.warn({ err: error }, "pruning old rows failed; will retry"),
    );
  };
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  run();
  return { stop: () => clearInterval(timer) };
}

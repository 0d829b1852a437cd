// Prunes security events older than the retention period, in small batches
// so no long lock is held. Every instance may run it: deletes are idempotent.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";

const BATCH = 5_000;

export function startAuditRetention(options: { orm: MikroORM; retentionDays: number; intervalMs: number; log: Logger }) {
  const prune = async (): Promise<number> => {
    const knex = options.orm.em.getKnex();
    let total = 0;
    for (;;) {
      const deleted = await knex("audit_events")
        .whereIn(
          "id",
          knex("audit_events")
            .select("id")
            .where("occurred_at", "<", knex.raw("now() - make_interval(days => ?)", [options.retentionDays]))
            .limit(BATCH),
        )
        .delete();
      total += deleted;
      if (deleted < BATCH) return total;
    }
  };
  const run = () => {
    prune().then(
      (deleted) => deleted > 0 && options.log.info({ deleted }, "pruned old security events"),
      (error: unknown) => options.log.warn({ err: error }, "pruning security events failed; will retry"),
    );
  };
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  run();
  return { prune, stop: () => clearInterval(timer) };
}

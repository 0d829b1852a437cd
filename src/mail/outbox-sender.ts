// Delivers queued mail. Each pass claims due rows with FOR UPDATE SKIP LOCKED
// (so several instances can run senders without sending a row twice), sends
// them, and in the same transaction marks them sent and clears their payload
// (the raw token lives only until delivery). A failed send is retried with
// exponential backoff; a crash before the commit releases the rows to be
// retried, so nothing is lost.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import type { EmailTemplate } from "../db/entities/email-outbox.js";
import { renderMail, type MailSite } from "./templates.js";
import type { MailTransport } from "./transport.js";

const BATCH = 10;

export interface OutboxSenderOptions {
  orm: MikroORM;
  transport: MailTransport;
  site: MailSite;
  log: Logger;
  pollIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

interface OutboxRow {
  id: string;
  recipient: string;
  template: EmailTemplate;
  payload: Record<string, string> | null;
  attempts: number;
}

export class OutboxSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly o: OutboxSenderOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.o.transport.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .then((sent) => this.schedule(sent === BATCH ? 0 : this.o.pollIntervalMs))
        .catch((error: unknown) => {
          this.o.log.error({ err: error }, "mail outbox pass failed");
          this.schedule(this.o.pollIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One pass: claims up to BATCH due rows and tries each; returns how many were claimed. */
  async pass(): Promise<number> {
    const knex = this.o.orm.em.getKnex();
    return knex.transaction(async (trx) => {
      const { rows } = (await trx.raw(
        `select id, recipient, template, payload, attempts from email_outbox
          where sent_at is null and next_attempt_at <= now()
          order by next_attempt_at limit ? for update skip locked`,
        [BATCH],
      )) as { rows: OutboxRow[] };
      for (const row of rows) {
        try {
          const rendered = renderMail(row.template, row.payload ?? {}, this.o.site);
          await this.o.transport.send({ ...rendered, to: row.recipient, messageId: `<${row.id}@outbox.auth-service>` });
          await trx.raw(
            `update email_outbox set sent_at = now(), payload = null, attempts = attempts + 1, last_error = null where id = ?`,
            [row.id],
          );
        } catch (error) {
          const delayMs = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(row.attempts, 20));
          const message = error instanceof Error ? error.message : String(error);
          this.o.log.warn({ outboxId: row.id, attempts: row.attempts + 1, retryInMs: delayMs, err: message }, "mail not sent, will retry");
          await trx.raw(
            `update email_outbox set attempts = attempts + 1, last_error = ?,
               next_attempt_at = now() + make_interval(secs => ?) where id = ?`,
            [message.slice(0, 512), delayMs / 1000, row.id],
          );
        }
      }
      return rows.length;
    });
  }
}

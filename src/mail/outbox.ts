// Queuing mail: a row in email_outbox that joins the caller's unit of work,
// so the message exists exactly when the change that causes it commits.
import type { EntityManager } from "@mikro-orm/postgresql";
import { EmailOutboxSchema, type EmailTemplate } from "../db/entities/email-outbox.js";

export interface QueuedMail {
  to: string;
  template: EmailTemplate;
  /** What the template needs; may hold a raw one-time token, cleared once sent. */
  payload: Record<string, string>;
}

/** Adds the message to `em`'s unit of work; it is written by the caller's next flush. */
export function queueMail(em: EntityManager, mail: QueuedMail): void {
  em.create(EmailOutboxSchema, { recipient: mail.to, template: mail.template, payload: mail.payload, lastError: null, sentAt: null });
}

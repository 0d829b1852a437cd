import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity } from "@mikro-orm/core";

export const EMAIL_TEMPLATES = ["verify_email", "reset_password", "password_changed", "password_disabled"] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/**
 * Mail waiting to be sent, written in the same transaction as the change that
 * causes it, so a crash or an SMTP outage loses nothing. The sender claims
 * rows with FOR UPDATE SKIP LOCKED, so several instances can run it. The
 * payload (which may hold a raw one-time token) is cleared once sent.
 */
export const EmailOutboxSchema = defineEntity({
  name: "EmailOutbox",
  tableName: "email_outbox",
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    recipient: p.string().length(254),
    template: p.enum([...EMAIL_TEMPLATES]),
    // What the template needs (user name, token); null once sent.
    payload: p.json<Record<string, string>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    nextAttemptAt: p.datetime().onCreate(() => new Date()),
    attempts: p.integer().default(0),
    lastError: p.string().length(512).nullable(),
    sentAt: p.datetime().nullable(),
  }),
  indexes: [
    { name: "email_outbox_pending", properties: ["sentAt", "nextAttemptAt"] },
    // Per-address mail limits (src/recovery/account-recovery.ts).
    { name: "email_outbox_recipient_time", properties: ["recipient", "template", "createdAt"] },
  ],
});

export type EmailOutbox = InferEntity<typeof EmailOutboxSchema>;

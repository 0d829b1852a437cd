// Where rendered mail goes: an SMTP server (nodemailer), or, in development
// without SMTP_URL, the log. The log transport is the one place a one-time
// token is written to a log, on purpose, so `npm start` on a fresh clone can
// finish every flow; config.ts refuses production without SMTP_URL.
import nodemailer from "nodemailer";
import type { Logger } from "pino";
import type { RenderedMail } from "./templates.js";

export interface OutgoingMail extends RenderedMail {
  to: string;
  /** Stable per outbox row, so a receiver can drop a rare duplicate. */
  messageId: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    // Fail fast: the sender holds the outbox row's transaction open during the
    // send, and PostgreSQL ends transactions idle for 10 s (src/db/orm.ts).
    // A failed send is retried with backoff.
    connectionTimeout: 4_000,
    greetingTimeout: 4_000,
    socketTimeout: 5_000,
  } as nodemailer.TransportOptions);
  return {
    async send(mail) {
      await transporter.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId });
    },
    close: () => transporter.close(),
  };
}

export function logTransport(log: Logger): MailTransport {
  return {
    async send(mail) {
      log.warn(
        { devMail: { to: mail.to, subject: mail.subject, text: mail.text } },
        "DEVELOPMENT MAIL (SMTP_URL not set, not sent): follow the link below to continue",
      );
    },
    close: () => undefined,
  };
}

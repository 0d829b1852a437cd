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
    // Fail fast while the outbox row is held; the sender retries with backoff.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
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

// Where rendered mail goes: an SMTP server (nodemailer), or, in development
// without SMTP_URL, the log. The log transport is the one place a one-time
// token is written to a log, on purpose, so `npm start` on a fresh clone can
// finish every flow; config.ts refuses production without SMTP_URL.
import nodemailer from "nodemailer";
import { parseConnectionUrl } from "nodemailer/lib/shared/index.js";
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
  // nodemailer reads nothing but the URL from an options object that has
  // `url`, so the URL is parsed here and our settings go beside it; options
  // in the URL's query string (?pool=false, ?tls.rejectUnauthorized=...) win.
  const transporter = nodemailer.createTransport({
    // One connection, kept open and reused for the next message (up to 100),
    // instead of a TCP (and TLS) handshake and SMTP greeting per mail: the
    // sender sends one message at a time anyway.
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
    // A connection lost mid-send fails that send: the outbox retries it with
    // backoff, rather than the pool requeueing it while the row's transaction waits.
    maxRequeues: 0,
    // Fail fast: the sender holds the outbox row's transaction open during the
    // send, and PostgreSQL ends transactions idle for 10 s (src/db/orm.ts).
    // A failed send is retried with backoff.
    connectionTimeout: 4_000,
    greetingTimeout: 4_000,
    socketTimeout: 5_000,
    ...parseConnectionUrl(url),
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

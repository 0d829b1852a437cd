// A real SMTP server in-process (smtp-server) that parses what it receives
// (mailparser), for following mailed links through the API.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";

export interface MailServer {
  port: number;
  url: string;
  received: ParsedMail[];
  /** SMTP connections accepted so far. */
  readonly connections: number;
  /** Resolves with the first received mail to `to` matching `subject`, waiting up to `timeoutMs`. */
  waitFor(to: string, subject: RegExp, timeoutMs?: number): Promise<ParsedMail>;
  /** Mails received for `to` so far. */
  to(to: string): ParsedMail[];
  listen(): Promise<void>;
  close(): Promise<void>;
}

export async function startMailServer(port = 0, listen = true): Promise<MailServer> {
  const received: ParsedMail[] = [];
  let connections = 0;
  let server = create();
  function create() {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onConnect(_session, callback) {
        connections++;
        callback();
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
  }
  let bound = port;
  const mail: MailServer = {
    get port() {
      return bound;
    },
    get url() {
      return `smtp://127.0.0.1:${bound}`;
    },
    received,
    get connections() {
      return connections;
    },
    to: (to) => received.filter((m) => addresses(m).includes(to)),
    async waitFor(to, subject, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find((m) => addresses(m).includes(to) && subject.test(m.subject ?? ""));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(bound, "127.0.0.1", () => {
          bound = (server.server.address() as AddressInfo).port;
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          server = create();
          resolve();
        });
      }),
  };
  if (listen) await mail.listen();
  return mail;
}

function addresses(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((a) => a.value.map((v) => v.address ?? ""));
}

/** The token from the link in a mail's text part (and checks the HTML part has the same link). */
export function linkToken(mail: ParsedMail, path: string): { link: string; token: string } {
  const match = new RegExp(`(https?://\\S+${path}\\?token=([A-Za-z0-9_-]+))`).exec(mail.text ?? "");
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  const [, link, token] = match;
  if (typeof mail.html !== "string" || !mail.html.includes(link!)) throw new Error("HTML part lacks the link");
  return { link: link!, token: token! };
}

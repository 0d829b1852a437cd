// What each mail says: a plain-text and an HTML part built from an outbox
// row. Links start at the configured public base URL, never at a request's
// Host header.
import type { EmailTemplate } from "../db/entities/email-outbox.js";

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailSite {
  productName: string;
  publicBaseUrl: string;
}

export function renderMail(template: EmailTemplate, payload: Record<string, string>, site: MailSite): RenderedMail {
  const name = payload.user ?? "";
  switch (template) {
    case "verify_email":
      return withLink(site, {
        subject: `Confirm your email address for ${site.productName}`,
        greeting: name,
        intro: `Please confirm that this is your email address for ${site.productName}.`,
        action: "Confirm my email address",
        link: link(site, "/verify-email", payload.token ?? ""),
        outro: "The link works once and expires soon. If you did not sign up, ignore this message.",
      });
    case "reset_password":
      return withLink(site, {
        subject: `Reset your ${site.productName} password`,
        greeting: name,
        intro: `Someone asked to reset the password of your ${site.productName} account.`,
        action: "Choose a new password",
        link: link(site, "/password-reset", payload.token ?? ""),
        outro: "The link works once and expires soon. If you did not ask for this, ignore this message: your password stays as it is.",
      });
    case "password_disabled":
      return withLink(site, {
        subject: `Your ${site.productName} password was disabled`,
        greeting: name,
        intro: `After too many wrong passwords in a row, the password of your ${site.productName} account no longer works. Your sessions stay signed in.`,
        action: "Choose a new password",
        link: link(site, "/password-reset", payload.token ?? ""),
        outro: "The link works once and expires soon; \"Forgot your password?\" sends a new one. If the failed attempts were not yours, someone tried to guess your password: choose one you use nowhere else.",
      });
    case "password_changed": {
      const text = `Hello ${name},\n\nThe password of your ${site.productName} account was just reset and every session was signed out.\nIf this was not you, reset your password again at once.\n`;
      return {
        subject: `Your ${site.productName} password was changed`,
        text,
        html: `<p>Hello ${escapeHtml(name)},</p><p>The password of your ${escapeHtml(site.productName)} account was just reset and every session was signed out.</p><p>If this was not you, reset your password again at once.</p>`,
      };
    }
  }
}

function link(site: MailSite, path: string, token: string): string {
  return `${site.publicBaseUrl}${path}?token=${encodeURIComponent(token)}`;
}

function withLink(
  site: MailSite,
  m: { subject: string; greeting: string; intro: string; action: string; link: string; outro: string },
): RenderedMail {
  return {
    subject: m.subject,
    text: `Hello ${m.greeting},\n\n${m.intro}\n\n${m.action}:\n${m.link}\n\n${m.outro}\n\n${site.productName}\n`,
    html:
      `<p>Hello ${escapeHtml(m.greeting)},</p><p>${escapeHtml(m.intro)}</p>` +
      `<p><a href="${escapeHtml(m.link)}">${escapeHtml(m.action)}</a></p>` +
      `<p>${escapeHtml(m.outro)}</p><p>${escapeHtml(site.productName)}</p>`,
  };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

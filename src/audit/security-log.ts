// Reading an account's security log, newest first, in pages.
import type { EntityManager } from "@mikro-orm/postgresql";
import { AuditEventSchema, type AuditEvent } from "../db/entities/audit-event.js";
import { InvalidField } from "../accounts/errors.js";
import { assertOwner } from "../accounts/ownership.js";

export const DEFAULT_PAGE_SIZE = 20;

export interface SecurityLogPage {
  events: AuditEvent[];
  nextPageToken: string;
}

export async function listSecurityEvents(
  em: EntityManager,
  callerId: string,
  id: string,
  page: { size: number; token: string },
): Promise<SecurityLogPage> {
  assertOwner(callerId, id);
  const size = page.size === 0 ? DEFAULT_PAGE_SIZE : page.size;
  const after = page.token === "" ? undefined : decodeToken(page.token);
  const events = await em.find(
    AuditEventSchema,
    {
      user: callerId,
      ...(after ? { $or: [{ occurredAt: { $lt: after.at } }, { occurredAt: after.at, id: { $lt: after.id } }] } : {}),
    },
    { orderBy: { occurredAt: "desc", id: "desc" }, limit: size + 1 },
  );
  const more = events.length > size;
  const shown = events.slice(0, size);
  const last = shown.at(-1);
  return { events: shown, nextPageToken: more && last ? encodeToken(last) : "" };
}

/** Keyset pagination: the token is the position of the last entry shown. */
function encodeToken(event: AuditEvent): string {
  return Buffer.from(JSON.stringify([event.occurredAt.toISOString(), event.id])).toString("base64url");
}

function decodeToken(token: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown[];
    const date = new Date(String(at));
    if (typeof id !== "string" || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(date.getTime())) throw new Error();
    return { at: date, id };
  } catch {
    throw new InvalidField("page_token", "page_token is not a token this service issued");
  }
}

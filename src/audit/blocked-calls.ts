// Security events for calls refused by a rate limit or the sign-in backoff.
// The guard runs before the handler and its transaction, so each event is a
// short write of its own, in the background: the refusal neither waits for
// it nor fails with it. The guard calls this only once per limit and window
// (or when a backoff wait starts), so a flood writes a row, not a row per call.
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import type { RequestOrigin } from "../accounts/request-origin.js";
import { UserSchema } from "../db/entities/user.js";
import { recordSecurityEvent } from "./audit-log.js";

export interface BlockedCall {
  origin: RequestOrigin;
  /**
   * The email address the refused limit counts per (normalised), if it
   * counts per one: the event then belongs to that account, if there is one.
   */
  email: string | undefined;
}

export interface BlockedCallLog {
  /** Queues the event's write and returns at once; a failed write is logged, never thrown. */
  record(block: BlockedCall): void;
  /** Resolves when the writes queued so far have ended (before the ORM closes). */
  settled(): Promise<void>;
}

export function createBlockedCallLog(options: { orm: MikroORM; log: Logger }): BlockedCallLog {
  const pending = new Set<Promise<void>>();
  const write = async ({ origin, email }: BlockedCall) => {
    const em = options.orm.em.fork();
    // Looked up after the refusal was decided, off its path: the answer and
    // its timing are the same whether or not the address has an account.
    const [account] =
      email === undefined || email === ""
        ? []
        : await em.execute<{ id: string }[]>(`select "id" from "users" where lower("email") = ?`, [email]);
    recordSecurityEvent(em, {
      type: "rate_limited",
      outcome: "blocked",
      user: account === undefined ? null : em.getReference(UserSchema, account.id),
      origin,
    });
    await em.flush();
  };
  return {
    record(block) {
      const done = write(block).catch((error: unknown) => {
        options.log.error({ err: error, requestId: block.origin.requestId }, "recording a blocked call in the security log failed");
      });
      pending.add(done);
      void done.finally(() => pending.delete(done));
    },
    settled: async () => {
      await Promise.all([...pending]);
    },
  };
}

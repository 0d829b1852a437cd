import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { RunPrepared } from "../../db/prepared-statements.js";
import { kDatabase } from "../context.js";

/**
 * One EntityManager fork per RPC, so no identity-map state is shared between
 * requests. It is forked when the handler first asks for it, then reused; a
 * handler that only runs a prepared read uses the shared pool instead.
 */
export function createEntityManagerInterceptor(orm: MikroORM, query: RunPrepared): Interceptor {
  return (next) => async (req) => {
    let em: EntityManager | undefined;
    req.contextValues.set(kDatabase, { em: () => (em ??= orm.em.fork()), query });
    return next(req);
  };
}

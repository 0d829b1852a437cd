import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { kDatabase } from "../context.js";

/**
 * One EntityManager fork per RPC, so no identity-map state is shared between
 * requests. It is forked when the handler first asks for it, then reused; a
 * handler that only runs plain SQL takes the shared connection instead.
 */
export function createEntityManagerInterceptor(orm: MikroORM): Interceptor {
  const connection = () => orm.em.getConnection();
  return (next) => async (req) => {
    let em: EntityManager | undefined;
    req.contextValues.set(kDatabase, { em: () => (em ??= orm.em.fork()), connection });
    return next(req);
  };
}

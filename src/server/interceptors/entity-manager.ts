import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { kEntityManager } from "../context.js";

/**
 * One EntityManager fork per RPC, so no identity-map state is shared between
 * requests. It is forked when the handler first asks for it, then reused.
 */
export function createEntityManagerInterceptor(orm: MikroORM): Interceptor {
  return (next) => async (req) => {
    let em: EntityManager | undefined;
    req.contextValues.set(kEntityManager, () => (em ??= orm.em.fork()));
    return next(req);
  };
}

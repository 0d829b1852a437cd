import type { Interceptor } from "@connectrpc/connect";
import type { MikroORM } from "@mikro-orm/postgresql";
import { kEntityManager } from "../context.js";

/** One EntityManager fork per RPC: no identity-map state is shared between requests. */
export function createEntityManagerInterceptor(orm: MikroORM): Interceptor {
  return (next) => async (req) => {
    req.contextValues.set(kEntityManager, orm.em.fork());
    return next(req);
  };
}

// Everything createAuthServer needs for abuse resistance, built from config:
// the client-address resolver, the limiter store and the guard that applies
// the limit table, and the security log of blocked calls.
import type { MikroORM } from "@mikro-orm/postgresql";
import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { createBlockedCallLog, type BlockedCallLog } from "../audit/blocked-calls.js";
import { databaseTarget } from "../db/connection-options.js";
import { createClientAddressResolver, type ClientAddressResolver } from "./client-address.js";
import { AbuseGuard } from "./guard.js";
import { createLimiterStore, type LimiterStore } from "./limiter-store.js";
import { rpcLimits } from "./rpc-limits.js";

export interface AbuseProtection {
  guard: AbuseGuard;
  clientAddress: ClientAddressResolver;
  store: LimiterStore;
  /** Writes of blocked calls still under way: awaited at shutdown, before the ORM closes. */
  blocked: BlockedCallLog;
}

export function createAbuseProtection(options: { config: Config; orm: MikroORM; log: Logger }): AbuseProtection {
  const { config, orm, log } = options;
  const store = createLimiterStore({
    config: config.abuse,
    log,
    postgres: () => {
      const separate = config.abuse.databaseUrl;
      if (separate !== undefined) {
        const target = databaseTarget(separate, { file: config.database.caFile, pem: config.database.ca });
        return { connectionString: target.clientUrl, ssl: target.ssl, createTable: true };
      }
      // The service's own database, exactly as the ORM reaches it (embedded or not, TLS included).
      const connection = (orm.config.get("driverOptions") as { connection?: { ssl?: pg.PoolConfig["ssl"] } }).connection;
      return { connectionString: orm.config.get("clientUrl")!, ssl: connection?.ssl ?? false, createTable: false };
    },
  });
  const blocked = createBlockedCallLog({ orm, log });
  return {
    guard: new AbuseGuard(rpcLimits(config.abuse), store, log, blocked),
    clientAddress: createClientAddressResolver(config.abuse.trustedProxies),
    store,
    blocked,
  };
}

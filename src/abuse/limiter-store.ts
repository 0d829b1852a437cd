// Where rate-limit counters live, so that N instances behind a load balancer
// count together: PostgreSQL by default (the database we already run), Redis
// when configured for high traffic, or this process's memory for a single
// instance. Every shared limiter has an in-memory insurance limiter: while the
// store is unreachable, limits are counted per instance (logged as a
// warning), never dropped and never an outage of the service.
import { createRequire } from "node:module";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import pg from "pg";
import type { Logger } from "pino";
import type { AbuseConfig, Limit } from "../config.js";

export const RATE_LIMIT_TABLE = "rate_limits";
/** One warning per interval while the store is down, not one per request. */
const WARN_INTERVAL_MS = 60_000;
/** How long start-up waits for the store before serving on in-memory limits. */
const READY_TIMEOUT_MS = 5_000;
/** Expired counters are deleted this often (PostgreSQL keeps them otherwise). */
const CLEANUP_INTERVAL_MS = 5 * 60_000;

export interface LimiterStore {
  readonly kind: AbuseConfig["store"];
  /** A limiter of `limit.points` per `limit.seconds`, its keys namespaced by `name`. */
  limiter(name: string, limit: Limit): RateLimiterAbstract;
  /** Resolves once the store answers (or after a short timeout, with a warning). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresTarget {
  connectionString: string;
  ssl: pg.PoolConfig["ssl"];
  /** True when the table is ours to create (a separate database our migrations do not manage). */
  createTable: boolean;
}

export function createLimiterStore(options: {
  config: AbuseConfig;
  /** The PostgreSQL to count in when the store is "postgres". */
  postgres: () => PostgresTarget;
  log: Logger;
}): LimiterStore {
  const { config, log } = options;
  let lastError: string | undefined;
  let warnedAt = -Infinity;
  const noteError = (error: unknown) => {
    lastError = error instanceof Error ? error.message : String(error);
  };
  const onFallback = () => {
    const now = Date.now();
    if (now - warnedAt < WARN_INTERVAL_MS) return;
    warnedAt = now;
    log.warn(
      { event: "rate_limit_store_unavailable", store: config.store, cause: lastError },
      "rate-limit store unreachable: counting in this instance's memory until it answers again",
    );
  };
  const insurance = (prefix: string, limit: Limit) =>
    new FallbackLimiter({ keyPrefix: prefix, points: limit.points, duration: limit.seconds }, onFallback);
  const prefixOf = (name: string) => `${config.keyPrefix}:${name}`;

  switch (config.store) {
    case "memory":
      return {
        kind: "memory",
        limiter: (name, limit) => new RateLimiterMemory({ keyPrefix: prefixOf(name), points: limit.points, duration: limit.seconds }),
        ready: async () => undefined,
        close: async () => undefined,
      };

    case "redis": {
      // Loaded only when used: ioredis takes a noticeable part of a second to import.
      const { Redis } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
      const redis = new Redis(config.redisUrl!, {
        // Fail fast while disconnected (the insurance limiter answers) instead of queueing.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 2_000,
        commandTimeout: 1_000,
      });
      redis.on("error", noteError);
      return {
        kind: "redis",
        limiter: (name, limit) =>
          new RateLimiterRedis({
            storeClient: redis,
            rejectIfRedisNotReady: true,
            keyPrefix: prefixOf(name),
            points: limit.points,
            duration: limit.seconds,
            insuranceLimiter: insurance(prefixOf(name), limit),
          }),
        ready: () =>
          waitFor(
            redis.status === "ready" ? Promise.resolve() : new Promise<void>((resolve) => redis.once("ready", () => resolve())),
            () => log.warn({ store: "redis", cause: lastError }, "Redis is not reachable yet: starting on in-memory rate limits"),
          ),
        close: async () => {
          redis.disconnect();
        },
      };
    }

    case "postgres": {
      const target = options.postgres();
      const pool = new pg.Pool({
        connectionString: target.connectionString,
        ssl: target.ssl,
        // Its own connections: a flood of limited requests must not starve the ORM's pool.
        max: 8,
        // Also the longest wait for a free connection in a burst; past it, the insurance limiter answers.
        connectionTimeoutMillis: 3_000,
        idleTimeoutMillis: 10_000,
        statement_timeout: 1_000,
        application_name: "auth-service-rate-limits",
      });
      // An idle connection dropped by the server emits here; without a listener it would crash the process.
      pool.on("error", noteError);
      // What rate-limiter-flexible calls: the pool's query, with failures noted for the warning.
      const client = {
        query: (query: pg.QueryConfig) =>
          pool.query(query).catch((error: unknown) => {
            noteError(error);
            throw error;
          }),
      };
      let closed: Promise<void> | undefined;
      const clearExpired = () =>
        pool.query(`delete from ${RATE_LIMIT_TABLE} where expire < $1`, [Date.now()]).catch(noteError);
      const cleanup = setInterval(clearExpired, CLEANUP_INTERVAL_MS);
      cleanup.unref();
      return {
        kind: "postgres",
        limiter: (name, limit) =>
          new RateLimiterPostgres({
            storeClient: client,
            storeType: "pool",
            tableName: RATE_LIMIT_TABLE,
            // The table comes from our migrations (or ready() below); expired rows are deleted by `cleanup`.
            tableCreated: true,
            clearExpiredByTimeout: false,
            keyPrefix: prefixOf(name),
            points: limit.points,
            duration: limit.seconds,
            insuranceLimiter: insurance(prefixOf(name), limit),
          }),
        ready: () =>
          waitFor(
            (target.createTable ? createTable(pool) : pool.query("select 1")).then(() => undefined),
            () => log.warn({ store: "postgres", cause: lastError }, "rate-limit database not reachable yet: starting on in-memory rate limits"),
          ).catch((error: unknown) => {
            noteError(error);
            log.warn({ store: "postgres", cause: lastError }, "rate-limit database not usable: starting on in-memory rate limits");
          }),
        // Idempotent: a server may be closed more than once (a test's shutdown, then its cleanup).
        close: () =>
          (closed ??= (async () => {
            clearInterval(cleanup);
            await pool.end();
          })()),
      };
    }
  }
}

/**
 * In the service's own database the migrations create this table. A separate
 * rate-limit database (RATE_LIMIT_DATABASE_URL) holds nothing else, so the
 * service creates the same table there itself.
 */
function createTable(pool: pg.Pool): Promise<unknown> {
  return pool.query(
    `create table if not exists ${RATE_LIMIT_TABLE} (key varchar(255) primary key, points integer not null default 0, expire bigint);
     create index if not exists ${RATE_LIMIT_TABLE}_expire_index on ${RATE_LIMIT_TABLE} (expire);`,
  );
}

function waitFor(ready: Promise<void>, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, READY_TIMEOUT_MS);
  });
  return Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
}

/** The in-memory insurance limiter: reports each use so the outage is logged. */
class FallbackLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }
  override consume(...args: Parameters<RateLimiterMemory["consume"]>) {
    this.onUse();
    return super.consume(...args);
  }
  override penalty(...args: Parameters<RateLimiterMemory["penalty"]>) {
    this.onUse();
    return super.penalty(...args);
  }
  override reward(...args: Parameters<RateLimiterMemory["reward"]>) {
    this.onUse();
    return super.reward(...args);
  }
  override block(...args: Parameters<RateLimiterMemory["block"]>) {
    this.onUse();
    return super.block(...args);
  }
  override delete(...args: Parameters<RateLimiterMemory["delete"]>) {
    this.onUse();
    return super.delete(...args);
  }
}

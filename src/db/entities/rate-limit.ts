import { defineEntity } from "@mikro-orm/core";

// The counters of rate-limiter-flexible's RateLimiterPostgres (src/abuse/
// limiter-store.ts), in the shape that library reads and writes. The service
// never touches them through the ORM; the entity exists so that the table is
// created and changed by our migrations like every other table.
export const RateLimitSchema = defineEntity({
  name: "RateLimit",
  tableName: "rate_limits",
  properties: (p) => ({
    /** The limiter's key prefix and the counted key, e.g. "auth:login_address:192.0.2.1". */
    key: p.string().length(255).primary(),
    points: p.integer().default(0),
    /** Epoch milliseconds when the count resets; expired rows are deleted periodically. */
    expire: p.bigint().nullable().index("rate_limits_expire_index"),
  }),
});

// The scratch database: created on the machine's PostgreSQL, seeded in bulk
// with generate_series (one precomputed hash reused by every row), grown to
// a million rows for the scale scenario, dropped at the end.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const BENCH_PASSWORD = "bench password 0123";

export const benchEmail = (i: number) => `bench-${i}@example.test`;

export interface ScratchDatabase {
  url: string;
  pool: pg.Pool;
  /** Rows in users whose email is benchEmail(1..n). */
  seed(fromInclusive: number, toInclusive: number, stored: { hash: string; scheme: string }): Promise<void>;
  userIds(count: number): Promise<string[]>;
  explain(sql: string, values: unknown[]): Promise<string[]>;
  drop(): Promise<void>;
}

export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `auth_bench_${randomBytes(4).toString("hex")}`;
  await withClient(adminUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  return {
    url: url.toString(),
    pool,
    async seed(from, to, stored) {
      // Batches keep each statement short (statement_timeout does not apply
      // here, but a million-row INSERT holds a lot of WAL in one transaction).
      const batch = 200_000;
      for (let start = from; start <= to; start += batch) {
        const end = Math.min(to, start + batch - 1);
        await pool.query(
          `insert into users (id, "user", email, password_hash, password_scheme, created_at, updated_at)
           select gen_random_uuid(), 'bench-' || i, 'bench-' || i || '@example.test', $3, $4, now(), now()
           from generate_series($1::int, $2::int) as i`,
          [start, end, stored.hash, stored.scheme],
        );
      }
      // Vacuumed as well as analysed now: otherwise autovacuum, woken by the
      // inserts, vacuums the table during the next scenario and competes for the CPU.
      await pool.query("vacuum (analyze) users");
    },
    async userIds(count) {
      const rows = await pool.query<{ id: string }>(
        "select id from users where email = any($1::text[]) order by array_position($1::text[], email::text)",
        [Array.from({ length: count }, (_, i) => benchEmail(i + 1))],
      );
      return rows.rows.map((r) => r.id);
    },
    async explain(sql, values) {
      const rows = await pool.query<{ "QUERY PLAN": string }>(`explain (analyze, costs off, timing off, summary off) ${sql}`, values);
      return rows.rows.map((r) => r["QUERY PLAN"]);
    },
    async drop() {
      await pool.end();
      await withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

// Hot reads run as named prepared statements on the ORM's pool: PostgreSQL
// keeps each one per connection, and rows come back as the ORM's own queries
// return them.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MikroORM } from "@mikro-orm/postgresql";
import { openDatabase } from "../../src/db/orm.js";
import { preparedStatement, preparedStatementRunner } from "../../src/db/prepared-statements.js";
import { createTestDatabase } from "../support/test-server.js";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let orm: MikroORM;
beforeAll(async () => {
  database = await createTestDatabase();
  // One connection, so every statement below meets the same PostgreSQL session.
  orm = await openDatabase({ url: database.url, poolMax: 1 });
});
afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

it("prepares each statement once per connection under its name, and binds the parameters", async () => {
  const query = preparedStatementRunner(orm);
  const echo = preparedStatement<{ n: number; text: string }>("test_echo", "select ?::int as n, ?::text as text");
  expect(await query(echo, [1, "one"])).toEqual([{ n: 1, text: "one" }]);
  expect(await query(echo, [2, "it's; drop table users"])).toEqual([{ n: 2, text: "it's; drop table users" }]);

  const prepared = preparedStatement<{ name: string }>("test_list", "select name from pg_prepared_statements order by name");
  expect((await query(prepared, [])).map((r) => r.name)).toEqual(["test_echo", "test_list"]);
});

it("returns timestamps as the ORM's raw queries do, and no rows as an empty list", async () => {
  const query = preparedStatementRunner(orm);
  const at = preparedStatement<{ at: unknown }>("test_time", "select ?::timestamptz as at where ?::boolean");
  const [row] = await query(at, ["2026-01-02T03:04:05.678Z", true]);
  const [viaOrm] = await orm.em.getConnection().execute<{ at: unknown }[]>("select ?::timestamptz as at", ["2026-01-02T03:04:05.678Z"]);
  expect(row?.at).toEqual(viaOrm?.at);
  expect(new Date(row!.at as string).toISOString()).toBe("2026-01-02T03:04:05.678Z");
  expect(await query(at, ["2026-01-02T03:04:05.678Z", false])).toEqual([]);
});

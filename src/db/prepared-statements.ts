// Hot reads as named prepared statements on the ORM's own connection pool.
//
// The ORM inlines parameters and sends each query as simple-protocol text,
// which PostgreSQL parses and plans on every call. A named statement is
// parsed and planned once per connection and then only bound and executed:
// per profile read about 45 µs less CPU in PostgreSQL and 20 µs less in the
// service (bench/FINDINGS.md). Placeholders are knex's `?`.
//
// A deployment behind PgBouncer in transaction mode needs PgBouncer 1.21 or
// later with `max_prepared_statements` set (README, "Operating it").
import type { MikroORM } from "@mikro-orm/postgresql";

/** A statement that returns rows of type Row; `name` is unique per statement text. */
export interface PreparedStatement<Row> {
  readonly name: string;
  readonly text: string;
  /** Carries the row type only. */
  readonly row?: Row;
}

export function preparedStatement<Row>(name: string, text: string): PreparedStatement<Row> {
  return { name, text };
}

/** A parameter value. */
export type SqlValue = string | number | boolean | Date | null;

/** Runs a prepared statement with its parameters and returns its rows. */
export type RunPrepared = <Row>(statement: PreparedStatement<Row>, values: readonly SqlValue[]) => Promise<Row[]>;

export function preparedStatementRunner(orm: MikroORM): RunPrepared {
  const knex = orm.em.getConnection().getKnex();
  return async <Row>(statement: PreparedStatement<Row>, values: readonly SqlValue[]) => {
    // knex hands `options` to pg's query config: `name` makes it a prepared statement.
    const result = (await knex.raw(statement.text, [...values]).options({ name: statement.name })) as { rows: Row[] };
    return result.rows;
  };
}

// Configuration for the MikroORM CLI (`npm run migration:create`,
// `npm run migration:check`). It needs a database: DATABASE_URL, or the
// machine's PostgreSQL at 127.0.0.1:5432.
import { ormConfig } from "./orm.js";

export default ormConfig({ url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres", snapshot: true });

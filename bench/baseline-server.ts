// The yardstick: the least a profile read can cost on this stack. A bare
// node:http server, one pg pool, jsonwebtoken verifying HS256 with a KeyObject
// made once, one primary-key SELECT, JSON out. No framework, no ORM, no
// logging. The service's GetProfile is divided by this.
//
// Run by the harness as a child process:
//   BASELINE_DATABASE_URL=... BASELINE_JWT_SECRET=... BASELINE_PORT=... tsx bench/baseline-server.ts
import { createSecretKey } from "node:crypto";
import { createServer } from "node:http";
import jwt from "jsonwebtoken";
import pg from "pg";

const key = createSecretKey(Buffer.from(process.env.BASELINE_JWT_SECRET!, "utf8"));
const pool = new pg.Pool({ connectionString: process.env.BASELINE_DATABASE_URL, max: Number(process.env.BASELINE_POOL_MAX ?? 10) });
const PROFILE = /^\/profile\/([0-9a-f-]{36})$/;

const server = createServer(async (req, res) => {
  const id = PROFILE.exec(req.url ?? "")?.[1];
  if (req.method !== "GET" || id === undefined) return send(res, 404, { detail: "Not Found" });
  let sub: string;
  try {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const claims = jwt.verify(token, key, { algorithms: ["HS256"], issuer: "auth-service", audience: "auth-service" });
    sub = (claims as jwt.JwtPayload).sub!;
  } catch {
    return send(res, 401, { detail: "invalid token" });
  }
  if (sub !== id) return send(res, 403, { detail: "not yours" });
  try {
    const rows = await pool.query({
      name: "profile",
      text: 'select id, "user", email, created_at, updated_at from users where id = $1',
      values: [id],
    });
    const row = rows.rows[0];
    if (row === undefined) return send(res, 404, { detail: "no such user" });
    send(res, 200, { id: row.id, user: row.user, email: row.email, created_at: row.created_at, updated_at: row.updated_at });
  } catch {
    send(res, 500, { detail: "internal" });
  }
});

function send(res: import("node:http").ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.BASELINE_PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`baseline ready on ${JSON.stringify(server.address())}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => void pool.end().then(() => process.exit(0)));
});

// The least a Connect call can cost here: connect-node serving GetProfile
// with a constant answer. No interceptors, no token, no database. What the
// service's reads spend beyond this is ours; what this spends beyond the raw
// baseline is the protocol library's.
//
// Run by the harness as a child process, on two ports (HTTP/1.1 and h2c):
//   FLOOR_HTTP1_PORT=... FLOOR_H2C_PORT=... tsx bench/connect-floor-server.ts
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ProfileSchema } from "../gen/auth/v1/profile_pb.js";
import { ProfileService } from "../gen/auth/v1/profile_service_pb.js";

const profile = create(ProfileSchema, {
  id: "00000000-0000-4000-8000-000000000000",
  user: "bench-1",
  email: "bench-1@example.test",
  createdAt: timestampNow(),
  updatedAt: timestampNow(),
});
const handler = connectNodeAdapter({
  routes: (router) => router.service(ProfileService, { getProfile: () => ({ profile }) }),
});
const http1 = createHttp1Server(handler);
http1.keepAliveTimeout = 65_000;
const h2c = createHttp2Server({ settings: { maxConcurrentStreams: 100 } }, handler);
let listening = 0;
const ready = () => {
  if (++listening === 2) process.stdout.write("connect floor ready\n");
};
http1.listen(Number(process.env.FLOOR_HTTP1_PORT), "127.0.0.1", ready);
h2c.listen(Number(process.env.FLOOR_H2C_PORT), "127.0.0.1", ready);
// Nothing to save or close cleanly.
process.on("SIGTERM", () => process.exit(0));

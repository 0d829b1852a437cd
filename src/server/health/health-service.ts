// grpc.health.v1.Health: the protocol of Kubernetes gRPC probes, Envoy,
// grpc-health-probe and gRPC clients' own health checking. Every service we
// serve needs the database, so each one's status is the server's.
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../gen/grpc/health/v1/health_pb.js";
import type { HealthMonitor, ServingStatus } from "./health-monitor.js";

const toProto = (status: ServingStatus) => (status === "SERVING" ? Status.SERVING : Status.NOT_SERVING);

/** @param services the services whose names Check, List and Watch know, besides "" (the whole server) */
export function healthService(monitor: HealthMonitor, services: readonly DescService[]): ServiceImpl<typeof Health> {
  const names = ["", ...services.map((s) => s.typeName)];
  const known = new Set(names);
  return {
    async check(req) {
      if (!known.has(req.service)) throw new ConnectError("unknown service name", Code.NotFound);
      return { status: toProto(await monitor.check()) };
    },
    async list() {
      const status = toProto(await monitor.check());
      return { statuses: Object.fromEntries(names.map((name) => [name, { status }])) };
    },
    async *watch(req, ctx) {
      if (known.has(req.service)) {
        for await (const status of monitor.watch(ctx.signal)) yield { status: toProto(status) };
        return;
      }
      // The protocol keeps the stream open for a name that may become known; ours never will.
      yield { status: Status.SERVICE_UNKNOWN };
      for await (const _ of monitor.watch(ctx.signal));
    },
  };
}

import type { Metrics } from "../observability/metrics.js";
import type { NodeRequest, NodeResponse, PathHandler } from "./http-handler.js";

/** `GET /metrics` in the Prometheus text format. */
export function metricsEndpoint(metrics: Metrics): PathHandler {
  return (req: NodeRequest, res: NodeResponse) => {
    if ((req.url ?? "").split("?", 1)[0] !== "/metrics") return false;
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" });
      res.end();
      return true;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" });
        res.end(text);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
    return true;
  };
}

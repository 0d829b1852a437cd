// Plain HTTP health endpoints for load balancers and probes that do not
// speak gRPC: /healthz says the process is up (liveness: never the database,
// or an outage would get every instance restarted), /readyz says whether it
// can serve now (readiness: the database answers and shutdown has not begun).
import { sendJson, type PathHandler } from "../http-handler.js";
import type { HealthMonitor } from "./health-monitor.js";

export function healthPaths(monitor: HealthMonitor): PathHandler {
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path !== "/healthz" && path !== "/readyz") return false;
    res.setHeader("cache-control", "no-store");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendJson(res, 405, { code: "unimplemented", message: `${path} answers GET and HEAD`, detail: "Method Not Allowed" });
      return true;
    }
    if (path === "/healthz") {
      sendJson(res, 200, { status: "ok" });
      return true;
    }
    void monitor.check().then((status) => sendJson(res, status === "SERVING" ? 200 : 503, { status }));
    return true;
  };
}

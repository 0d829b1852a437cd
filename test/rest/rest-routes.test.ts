import { describe, expect, it } from "vitest";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { SessionService } from "../../gen/auth/v1/session_service_pb.js";
import { PathTemplateError } from "../../src/server/rest/path-template.js";
import { restRoutesFromServices, RestRouteError } from "../../src/server/rest/rest-routes.js";
import { serviceWithRules, TestService, type MethodSpec } from "./test-descriptors.js";

describe("restRoutesFromServices", () => {
  it("reads the auth contract's routes from its google.api.http options", () => {
    const routes = restRoutesFromServices([AuthService, ProfileService, SessionService]).map((r) => ({
      method: r.httpMethod,
      path: r.pathTemplate,
      rpc: `${r.rpc.parent.typeName}.${r.rpc.name}`,
      body: r.body,
      responseBody: r.responseBodyField?.name,
    }));
    expect(routes).toEqual([
      { method: "POST", path: "/register", rpc: "auth.v1.AuthService.Register", body: "*", responseBody: undefined },
      { method: "POST", path: "/login", rpc: "auth.v1.AuthService.Login", body: "*", responseBody: undefined },
      { method: "POST", path: "/refresh", rpc: "auth.v1.AuthService.Refresh", body: "*", responseBody: undefined },
      { method: "POST", path: "/logout", rpc: "auth.v1.AuthService.Logout", body: "*", responseBody: undefined },
      { method: "POST", path: "/logout/all", rpc: "auth.v1.AuthService.LogoutAll", body: "*", responseBody: undefined },
      { method: "GET", path: "/profile/{id}", rpc: "auth.v1.ProfileService.GetProfile", body: "", responseBody: "profile" },
      { method: "PUT", path: "/profile/{id}", rpc: "auth.v1.ProfileService.UpdateProfile", body: "*", responseBody: "profile" },
      {
        method: "GET",
        path: "/profile/{id}/security-events",
        rpc: "auth.v1.ProfileService.ListSecurityEvents",
        body: "",
        responseBody: undefined,
      },
      { method: "GET", path: "/sessions", rpc: "auth.v1.SessionService.ListSessions", body: "", responseBody: undefined },
      { method: "DELETE", path: "/sessions/{id}", rpc: "auth.v1.SessionService.RevokeSession", body: "", responseBody: undefined },
    ]);
  });

  it("adds additional_bindings as routes of the same RPC and skips methods without a rule", () => {
    const routes = restRoutesFromServices([TestService]);
    const lookup = routes.filter((r) => r.rpc.name === "Lookup").map((r) => `${r.httpMethod} ${r.pathTemplate}`);
    expect(lookup).toEqual(["GET /lookup/{name}", "POST /lookup"]);
    expect(routes.some((r) => r.rpc.name === "NotAnnotated")).toBe(false);
    expect(routes.find((r) => r.rpc.name === "PatchInner")?.bodyField?.name).toBe("inner");
  });

  it("supports custom methods", () => {
    const [route] = restRoutesFromServices([
      serviceWithRules([{ name: "M", rule: { pattern: { case: "custom", value: { kind: "search", path: "/items" } } } }]),
    ]);
    expect(route?.httpMethod).toBe("SEARCH");
  });

  const broken: [string, MethodSpec, string][] = [
    ["a streaming method", { name: "M", serverStreaming: true, rule: { pattern: { case: "get", value: "/m" } } }, "only unary"],
    ["an unknown path field", { name: "M", rule: { pattern: { case: "get", value: "/m/{nope}" } } }, 'has no field "nope"'],
    ["a message path field", { name: "M", rule: { pattern: { case: "get", value: "/m/{inner}" } } }, "singular scalar or enum"],
    ["a repeated path field", { name: "M", rule: { pattern: { case: "get", value: "/m/{tags}" } } }, "singular scalar or enum"],
    ["a path through a scalar", { name: "M", rule: { pattern: { case: "get", value: "/m/{name.x}" } } }, "not a message field"],
    ["an unknown body field", { name: "M", rule: { pattern: { case: "post", value: "/m" }, body: "nope" } }, 'body "nope"'],
    [
      "an unknown response_body",
      { name: "M", rule: { pattern: { case: "get", value: "/m" }, responseBody: "nope" } },
      'response_body "nope"',
    ],
    ["no pattern", { name: "M", rule: { body: "*" } }, "no HTTP method"],
    [
      "a wildcard custom method",
      { name: "M", rule: { pattern: { case: "custom", value: { kind: "*", path: "/m" } } } },
      "unsupported custom method",
    ],
    [
      "nested additional_bindings",
      {
        name: "M",
        rule: {
          pattern: { case: "get", value: "/m" },
          additionalBindings: [{ pattern: { case: "get", value: "/n" }, additionalBindings: [{ pattern: { case: "get", value: "/o" } }] }],
        },
      },
      "cannot be nested",
    ],
  ];
  it.each(broken)("rejects %s at start-up", (_, spec, problem) => {
    const service = serviceWithRules([spec]);
    expect(() => restRoutesFromServices([service])).toThrow(RestRouteError);
    expect(() => restRoutesFromServices([service])).toThrow(problem);
  });

  it("rejects two routes with the same method and shape", () => {
    const service = serviceWithRules([
      { name: "A", rule: { pattern: { case: "get", value: "/x/{name}" } } },
      { name: "B", rule: { pattern: { case: "get", value: "/x/{display_name}" } } },
    ]);
    expect(() => restRoutesFromServices([service])).toThrow("GET /x/{display_name} is also bound to test.v1.TestService.A");
  });

  it("rejects a bad path template with its reason", () => {
    const service = serviceWithRules([{ name: "M", rule: { pattern: { case: "get", value: "/m/{name" } } }]);
    expect(() => restRoutesFromServices([service])).toThrow(PathTemplateError);
  });
});

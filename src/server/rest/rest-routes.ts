/**
 * The REST route table, derived from the `google.api.http` option of each
 * method. Nothing here is written per RPC: annotating a method in the proto
 * is what adds its route.
 */
import { getOption, hasOption } from "@bufbuild/protobuf";
import type { DescField, DescMethod, DescService } from "@bufbuild/protobuf";
import { http } from "../../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../../gen/google/api/http_pb.js";
import { resolveFieldPath } from "./field-path.js";
import { parsePathTemplate, type PathTemplate } from "./path-template.js";

export interface RestRoute {
  /** Upper-case HTTP method: "GET", "POST", "PUT", "DELETE", "PATCH", or a custom one. */
  readonly httpMethod: string;
  /** The path template as written in the proto, e.g. "/profile/{id}". */
  readonly pathTemplate: string;
  readonly template: PathTemplate;
  /** The RPC this route calls. `rpc.parent` is its service. */
  readonly rpc: DescMethod;
  /** The rule's `body`: "" (no body), "*" (the whole request) or a top-level field name. */
  readonly body: string;
  /** The request field that the body fills when `body` names one. */
  readonly bodyField: DescField | undefined;
  /** The response field sent as the body (`response_body`), or the whole response. */
  readonly responseBodyField: DescField | undefined;
}

/** A `google.api.http` rule that cannot be served; thrown at start-up. */
export class RestRouteError extends Error {
  constructor(rpc: DescMethod, problem: string) {
    super(`REST route of ${rpc.parent.typeName}.${rpc.name}: ${problem}`);
    this.name = "RestRouteError";
  }
}

/**
 * Build the routes of every annotated method, in declaration order (the
 * primary binding first, then its `additional_bindings`). Throws
 * `RestRouteError` / `PathTemplateError` for rules that cannot be served, so
 * a bad annotation fails at start-up rather than on the first request.
 */
export function restRoutesFromServices(services: readonly DescService[]): RestRoute[] {
  const routes: RestRoute[] = [];
  const seen = new Map<string, DescMethod>();
  for (const service of services) {
    for (const rpc of service.methods) {
      if (!hasOption(rpc, http)) continue;
      if (rpc.methodKind !== "unary") {
        throw new RestRouteError(rpc, `only unary methods can be transcoded, not ${rpc.methodKind}`);
      }
      const rule = getOption(rpc, http);
      for (const binding of [rule, ...rule.additionalBindings]) {
        if (binding !== rule && binding.additionalBindings.length > 0) {
          throw new RestRouteError(rpc, "additional_bindings cannot be nested");
        }
        const route = routeFromRule(rpc, binding);
        // Two routes with the same method and shape could never both be
        // reached; that is an annotation mistake worth failing loudly for.
        const key = `${route.httpMethod} ${route.template.shape}`;
        const other = seen.get(key);
        if (other !== undefined) {
          throw new RestRouteError(
            rpc,
            `${route.httpMethod} ${route.pathTemplate} is also bound to ${other.parent.typeName}.${other.name}`,
          );
        }
        seen.set(key, rpc);
        routes.push(route);
      }
    }
  }
  return routes;
}

function routeFromRule(rpc: DescMethod, rule: HttpRule): RestRoute {
  const [httpMethod, pathTemplate] = methodAndPath(rpc, rule);
  const template = parsePathTemplate(pathTemplate);

  for (const variable of template.variables) {
    const fields = resolveFieldPath(rpc.input, variable);
    if (typeof fields === "string") {
      throw new RestRouteError(rpc, `path variable ${fields}`);
    }
    const leaf = fields[fields.length - 1]!;
    if (leaf.fieldKind !== "scalar" && leaf.fieldKind !== "enum") {
      throw new RestRouteError(rpc, `path variable "${variable}" must be a singular scalar or enum field`);
    }
  }

  let bodyField: DescField | undefined;
  if (rule.body !== "" && rule.body !== "*") {
    bodyField = rpc.input.fields.find((f) => f.name === rule.body);
    if (bodyField === undefined) {
      throw new RestRouteError(rpc, `body "${rule.body}" is not a top-level field of ${rpc.input.typeName}`);
    }
  }
  let responseBodyField: DescField | undefined;
  if (rule.responseBody !== "") {
    responseBodyField = rpc.output.fields.find((f) => f.name === rule.responseBody);
    if (responseBodyField === undefined) {
      throw new RestRouteError(
        rpc,
        `response_body "${rule.responseBody}" is not a top-level field of ${rpc.output.typeName}`,
      );
    }
  }
  return { httpMethod, pathTemplate, template, rpc, body: rule.body, bodyField, responseBodyField };
}

function methodAndPath(rpc: DescMethod, rule: HttpRule): [string, string] {
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return [rule.pattern.case.toUpperCase(), rule.pattern.value];
    case "custom": {
      const kind = rule.pattern.value.kind.toUpperCase();
      // "*" (any method) exists for serving web content; an RPC needs one verb.
      if (!/^[A-Z]+$/.test(kind)) {
        throw new RestRouteError(rpc, `unsupported custom method "${rule.pattern.value.kind}"`);
      }
      return [kind, rule.pattern.value.path];
    }
    case undefined:
      throw new RestRouteError(rpc, "the rule has no HTTP method and path");
  }
}

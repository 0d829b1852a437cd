/**
 * An OpenAPI 3.1 document of the REST door, made from the contract alone:
 * the routes are the transcoder's own route table (`restRoutesFromServices`,
 * from the `google.api.http` options), the schemas come from the
 * descriptors, and every description is a proto comment.
 */
import type { DescEnum, DescField, DescMethod, DescService } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import { resolveFieldPath } from "../../src/server/rest/field-path.js";
import { restRoutesFromServices, type RestRoute } from "../../src/server/rest/rest-routes.js";
import { commentOf, firstSentence } from "./contract.js";
import { SchemaBuilder, type ConstraintsOf, type Schema } from "./json-schema.js";

export interface OpenApiInput {
  title: string;
  version: string;
  description: string;
  /** An SPDX license identifier. */
  license: string;
  services: readonly DescService[];
  /** RPCs that need no access token. */
  isPublic: (rpc: DescMethod) => boolean;
  /** Required fields and formats of request fields, from the validation table. */
  constraintsOf: ConstraintsOf;
  /** The enum whose value names are the `reason` of ErrorInfo details. */
  errorReason: DescEnum;
}

const JSON_TYPE = "application/json";
const ERROR_RESPONSE = { $ref: "#/components/responses/Error" };
const OPENAPI_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

export function openApiDocument(input: OpenApiInput): Record<string, unknown> {
  const schemas = new SchemaBuilder(input.constraintsOf);
  const paths: Record<string, Record<string, unknown>> = {};
  const bindings = new Map<DescMethod, number>();
  for (const route of restRoutesFromServices(input.services)) {
    const path = openApiPath(route.pathTemplate);
    // Operation ids are unique: an RPC's additional bindings are numbered from 2.
    const binding = (bindings.get(route.rpc) ?? 0) + 1;
    bindings.set(route.rpc, binding);
    const id = `${route.rpc.parent.name}_${route.rpc.name}${binding > 1 ? `_${binding}` : ""}`;
    const method = route.httpMethod.toLowerCase();
    if (!OPENAPI_METHODS.has(method)) {
      throw new Error(`${id}: OpenAPI cannot describe the custom HTTP method ${route.httpMethod}`);
    }
    paths[path] ??= {};
    paths[path][method] = operation(route, id, schemas, input.isPublic(route.rpc));
  }
  return {
    openapi: "3.1.0",
    info: {
      title: input.title,
      version: input.version,
      description: input.description,
      license: { name: input.license, identifier: input.license },
    },
    // Relative: whichever host serves the document serves the API.
    servers: [{ url: "/", description: "this server" }],
    tags: input.services.map((s) => ({ name: s.name, description: commentOf(s) })),
    paths,
    components: {
      schemas: {
        Error: errorSchema(schemas.enum(input.errorReason)),
        ...Object.fromEntries([...schemas.components].sort(([a], [b]) => a.localeCompare(b))),
      },
      responses: {
        Error: {
          description: "An error. `code` says what kind; the ErrorInfo detail's `reason` says exactly why.",
          content: { [JSON_TYPE]: { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "The `access_token` from `POST /login`, sent as `Authorization: Bearer <access_token>`.",
        },
      },
    },
  };
}

/** `/books/{book.name=shelves/*}:publish` -> `/books/{book.name}:publish`: OpenAPI has no segment patterns. */
export function openApiPath(template: string): string {
  return template.replace(/\{([^}=]+)=[^}]*\}/g, "{$1}");
}

function operation(route: RestRoute, operationId: string, schemas: SchemaBuilder, isPublic: boolean): Record<string, unknown> {
  const rpc = route.rpc;
  const procedure = `/${rpc.parent.typeName}/${rpc.name}`;
  const comment = commentOf(rpc);
  const bodyFields = route.body === "*" ? rpc.input.fields.filter((f) => !route.template.variables.includes(f.name)) : [];
  const op: Record<string, unknown> = {
    operationId,
    tags: [rpc.parent.name],
    // A summary is plain text: no Markdown code marks.
    summary: firstSentence(comment).replace(/`/g, ""),
    description: `${comment}\n\nConnect, gRPC and gRPC-Web: \`${procedure}\`.`,
    parameters: [...pathParameters(route, schemas), ...queryParameters(route, schemas)],
  };
  if (route.body === "*") {
    const schema =
      bodyFields.length === rpc.input.fields.length ? schemas.message(rpc.input) : schemas.object(rpc.input, bodyFields);
    op.requestBody = { required: true, content: { [JSON_TYPE]: { schema } } };
  } else if (route.bodyField !== undefined) {
    op.requestBody = { required: true, content: { [JSON_TYPE]: { schema: schemas.field(route.bodyField) } } };
  }
  const responseSchema =
    route.responseBodyField === undefined ? schemas.message(rpc.output) : schemas.field(route.responseBodyField);
  const responseComment = commentOf(route.responseBodyField ?? rpc.output);
  op.responses = {
    "200": { description: responseComment || "OK", content: { [JSON_TYPE]: { schema: responseSchema } } },
    ...documentedErrors(rpc),
    default: ERROR_RESPONSE,
  };
  op.security = isPublic ? [] : [{ bearerAuth: [] }];
  return op;
}

function pathParameters(route: RestRoute, schemas: SchemaBuilder): Schema[] {
  return route.template.variables.map((variable) => {
    const fields = resolveFieldPath(route.rpc.input, variable);
    // The route table was built from these very rules, so the path resolves.
    if (typeof fields === "string") throw new Error(fields);
    const leaf = fields[fields.length - 1]!;
    const { description, ...schema } = schemas.field(leaf);
    return { name: variable, in: "path", required: true, description, schema };
  });
}

/**
 * Without `body: "*"`, the request fields that are neither in the path nor
 * the body are read from the query string, by field path ("a.b").
 */
function queryParameters(route: RestRoute, schemas: SchemaBuilder): Schema[] {
  if (route.body === "*") return [];
  const parameters: Schema[] = [];
  const visit = (fields: readonly DescField[], prefix: string, seen: ReadonlySet<string>) => {
    for (const field of fields) {
      const path = `${prefix}${field.name}`;
      // As the transcoder reads it: a field bound by the path, or inside one, is not read from the query.
      const bound = route.template.variables.some((v) => v === path || path.startsWith(`${v}.`));
      if (bound || (prefix === "" && field === route.bodyField) || field.fieldKind === "map") continue;
      const message = field.fieldKind === "message" ? field.message : undefined;
      if (message !== undefined && !message.typeName.startsWith("google.protobuf.")) {
        if (!seen.has(message.typeName)) visit(message.fields, `${path}.`, new Set([...seen, message.typeName]));
        continue;
      }
      if (field.fieldKind === "list" && field.listKind === "message") continue;
      const { description, ...schema } = schemas.field(field);
      parameters.push({ name: path, in: "query", required: false, description, schema });
    }
  };
  visit(route.rpc.input.fields, "", new Set([route.rpc.input.typeName]));
  return parameters;
}

/**
 * The error responses a method's comments promise: each "- code (...)" item
 * in the method's or its service's comment, grouped by HTTP status, with the
 * item as the description.
 */
function documentedErrors(rpc: DescMethod): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const [code, text] of errorItems(`${commentOf(rpc.parent)}\n${commentOf(rpc)}`)) {
    const status = codeToHttpStatus(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), text]);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, items]) => [
        String(status),
        { ...ERROR_RESPONSE, description: items.map((item) => `- ${item}`).join("\n") },
      ]),
  );
}

/** "- already_exists (ERROR_REASON_EMAIL_TAKEN): ..." list items, with their continuation lines. */
function errorItems(comment: string): [Code, string][] {
  const codes = new Map(allCodes().map((code) => [codeToString(code), code]));
  const items: [Code, string][] = [];
  let current: string[] | undefined;
  const flush = () => {
    if (current === undefined) return;
    const text = current.join(" ");
    const code = codes.get(/^([a-z_]+)/.exec(text)?.[1] ?? "");
    if (code !== undefined) items.push([code, text]);
    current = undefined;
  };
  for (const line of comment.split("\n")) {
    if (line.startsWith("- ")) {
      flush();
      current = [line.slice(2).trim()];
    } else if (current !== undefined && line.startsWith("  ")) {
      current.push(line.trim());
    } else {
      flush();
    }
  }
  flush();
  return items;
}

function allCodes(): Code[] {
  return Object.values(Code).filter((v): v is Code => typeof v === "number");
}

/**
 * The REST error body, as rendered by src/server/rest/rest-errors.ts. The
 * details are google.protobuf.Any in protobuf JSON, so their fields have
 * lowerCamelCase names (`fieldViolations`), unlike the REST bodies.
 */
function errorSchema(reason: Schema): Schema {
  const typed = (type: string, properties: Record<string, Schema>, description: string): Schema => ({
    type: "object",
    description,
    properties: { "@type": { const: `type.googleapis.com/${type}` }, ...properties },
    required: ["@type"],
  });
  return {
    type: "object",
    description: "Every REST error has this body. `detail` repeats `message` for clients of the original API.",
    properties: {
      code: { type: "string", enum: allCodes().map((c) => codeToString(c)), description: "The error code." },
      message: { type: "string", description: "A message for humans; it may change between releases." },
      detail: { type: "string", description: "The same text as `message`." },
      details: {
        type: "array",
        description: "Typed details (JSON `google.protobuf.Any`, the type in `@type`); clients skip types they do not know.",
        items: {
          anyOf: [
            typed(
              "google.rpc.ErrorInfo",
              { reason: { ...reason, description: "Why, as a stable name to switch on." }, domain: { const: "auth.v1" } },
              "Sent with every deliberate error.",
            ),
            typed(
              "google.rpc.BadRequest",
              {
                fieldViolations: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      field: { type: "string", description: "The request field, by its proto name." },
                      description: { type: "string", description: "What is wrong with it, for humans." },
                    },
                  },
                },
              },
              "Sent with invalid_argument: every invalid field.",
            ),
            typed(
              "google.rpc.RetryInfo",
              { retryDelay: { type: "string", examples: ["30s"] } },
              "When to retry; 429 and 503 then also carry `Retry-After`.",
            ),
            { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] },
          ],
        },
      },
    },
    required: ["code", "message", "detail", "details"],
    examples: [
      {
        code: "invalid_argument",
        message: "invalid request: password must be at least 8 characters",
        detail: "invalid request: password must be at least 8 characters",
        details: [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "ERROR_REASON_INVALID_FIELDS", domain: "auth.v1" },
          {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            fieldViolations: [{ field: "password", description: "password must be at least 8 characters" }],
          },
        ],
      },
    ],
  };
}

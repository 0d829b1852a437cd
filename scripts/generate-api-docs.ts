// Writes docs/openapi.json (the REST door, served at /openapi.json) and
// docs/api.md (the Connect / gRPC reference) from the contract and its
// comments. Run by `npm run generate` after `buf generate`; CI regenerates
// both and fails on a diff, so neither is ever edited by hand.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DescField, DescMessage, DescMethod } from "@bufbuild/protobuf";
import { publicMethods, services as servedServices } from "../src/services/routes.js";
import { requestRules } from "../src/validation/request-rules.js";
import { emailAddress, required, uuid } from "../src/validation/rules.js";
import { buildContract, servicesNamed } from "./api-docs/contract.js";
import type { FieldConstraints } from "./api-docs/json-schema.js";
import { markdownReference } from "./api-docs/markdown.js";
import { openApiDocument } from "./api-docs/openapi.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { name: string; version: string; license: string };

const registry = buildContract(root);
const services = servicesNamed(
  registry,
  servedServices.map((s) => s.typeName),
);
const enumNamed = (name: string) => {
  const found = registry.getEnum(name);
  if (found === undefined) throw new Error(`the contract has no enum ${name}`);
  return found;
};
const publicNames = new Set(publicMethods.map((m) => `${m.parent.typeName}.${m.name}`));
const isPublic = (rpc: DescMethod) => publicNames.has(`${rpc.parent.typeName}.${rpc.name}`);

// Which fields are required, and their formats, as the validation table
// enforces them. The password policy only changes a message, not these.
const rules = requestRules({ minLength: 1 });
const constraintsOf = (message: DescMessage, field: DescField): FieldConstraints => {
  const checks: readonly unknown[] = rules.get(message.typeName)?.[field.name] ?? [];
  const format = checks.includes(uuid) ? "uuid" : checks.includes(emailAddress) ? "email" : undefined;
  return { required: checks.includes(required), ...(format !== undefined ? { format } : {}) };
};

const generatedBy = "Generated from `proto/` by `npm run generate` (scripts/generate-api-docs.ts): do not edit.";

const openApi = openApiDocument({
  title: `${pkg.name} REST API`,
  version: pkg.version,
  license: pkg.license,
  description: [
    "The REST/JSON door of the `auth.v1` contract: the same RPCs as Connect, gRPC and gRPC-Web",
    "(see docs/api.md), transcoded from their `google.api.http` annotations. Bodies use the proto",
    "field names (`access_token`); input also accepts lowerCamelCase. Requests with a body must be",
    "`application/json`.",
    "",
    generatedBy,
  ].join("\n"),
  services,
  isPublic,
  constraintsOf,
  errorReason: enumNamed("auth.v1.ErrorReason"),
});
writeFileSync(`${root}/docs/openapi.json`, `${JSON.stringify(openApi, null, 2)}\n`);

const markdown = markdownReference({
  title: "auth.v1 API reference",
  preamble: [
    "Every RPC below is served on one port over Connect (JSON and binary; HTTP GET for RPCs without",
    "side effects), gRPC and gRPC-Web, at the procedure path shown. The REST paths are described by",
    "[openapi.json](openapi.json), served at `/openapi.json`, `/docs` and `/redoc`. Connect JSON uses",
    "the lowerCamelCase names in the \"Connect JSON\" column; REST uses the proto field names.",
    "",
    generatedBy,
  ].join("\n"),
  registry,
  services,
  isPublic,
});
writeFileSync(`${root}/docs/api.md`, markdown);

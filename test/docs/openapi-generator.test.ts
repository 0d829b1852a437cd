// The OpenAPI generator on a contract with what auth.v1 does not have yet:
// query parameters of every kind, a body field, segment patterns in paths,
// custom verbs and additional bindings.
import { describe, expect, it } from "vitest";
import { openApiDocument, openApiPath } from "../../scripts/api-docs/openapi.js";
import { TestService } from "../rest/test-descriptors.js";

type Op = {
  operationId: string;
  parameters: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: { content: { "application/json": { schema: Record<string, unknown> } } };
  responses: Record<string, { content?: { "application/json": { schema: Record<string, unknown> } } }>;
  security: unknown[];
};

const doc = openApiDocument({
  title: "test",
  version: "1",
  description: "",
  license: "Apache-2.0",
  services: [TestService],
  isPublic: (rpc) => rpc.name === "GetItem",
  constraintsOf: (message, field) => (message.typeName === "test.v1.Item" && field.name === "name" ? { required: true } : {}),
  errorReason: TestService.file.enums[0]!,
}) as { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Record<string, unknown>> } };

const op = (path: string, method: string) => doc.paths[path]![method]!;
const query = (o: Op) => o.parameters.filter((p) => p.in === "query").map((p) => p.name);

describe("openApiDocument", () => {
  it("turns segment patterns into plain OpenAPI parameters", () => {
    expect(openApiPath("/v1/{inner.key=shelves/*}/items")).toBe("/v1/{inner.key}/items");
    expect(openApiPath("/files/{name=**}")).toBe("/files/{name}");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/items/{name}", "/v1/{inner.key}/items", "/files/{name}", "/items/{name}:cancel", "/lookup/{name}", "/lookup"]),
    );
  });

  it("reads every field that is neither in the path nor the body from the query string, by field path", () => {
    const get = op("/items/{name}", "get");
    expect(get.parameters.filter((p) => p.in === "path").map((p) => p.name)).toEqual(["name"]);
    expect(query(get)).toEqual(["count", "flag", "tags", "color", "big", "at", "inner.key", "inner.n", "display_name"]);
    const schemaOf = (name: string) => get.parameters.find((p) => p.name === name)!.schema;
    expect(schemaOf("tags")).toMatchObject({ type: "array", items: { type: "string" } });
    expect(schemaOf("big")).toMatchObject({ type: "string", format: "int64" });
    expect(schemaOf("at")).toMatchObject({ type: "string", format: "date-time" });
    expect(schemaOf("color")).toMatchObject({ $ref: "#/components/schemas/test.v1.Color" });
    expect(doc.components.schemas["test.v1.Color"]).toMatchObject({ type: "string", enum: ["COLOR_UNSPECIFIED", "COLOR_RED"] });

    expect(query(op("/v1/{inner.key}/items", "get"))).toContain("inner.n");
    expect(query(op("/v1/{inner.key}/items", "get"))).not.toContain("inner.key");
  });

  it("sends a body field as the body and keeps it out of the query", () => {
    const patch = op("/items/{name}", "patch");
    expect(patch.requestBody!.content["application/json"].schema).toMatchObject({ $ref: "#/components/schemas/test.v1.Inner" });
    expect(query(patch).some((q) => q.startsWith("inner"))).toBe(false);
  });

  it("leaves path fields out of a whole-request body, and reads no query then", () => {
    const cancel = op("/items/{name}:cancel", "post");
    const body = cancel.requestBody!.content["application/json"].schema as { properties: Record<string, unknown> };
    expect(Object.keys(body.properties)).not.toContain("name");
    expect(Object.keys(body.properties)).toContain("labels");
    expect(body.properties.labels).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
    expect(query(cancel)).toEqual([]);
  });

  it("numbers the operation ids of additional bindings and honours response_body", () => {
    expect(op("/lookup/{name}", "get").operationId).toBe("TestService_Lookup");
    const second = op("/lookup", "post");
    expect(second.operationId).toBe("TestService_Lookup_2");
    expect(second.responses["200"]!.content!["application/json"].schema).toMatchObject({
      $ref: "#/components/schemas/test.v1.Item",
    });
  });

  it("marks required fields from the validation table, and public RPCs with no security", () => {
    expect(doc.components.schemas["test.v1.Item"]).toMatchObject({ required: ["name"] });
    expect(op("/items/{name}", "get").security).toEqual([]);
    expect(op("/items/{name}", "patch").security).toEqual([{ bearerAuth: [] }]);
  });
});

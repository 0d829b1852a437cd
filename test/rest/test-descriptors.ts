/**
 * A test-only service, built from a FileDescriptorProto at run time, whose
 * google.api.http rules exercise what the auth contract does not: query
 * parameters of every kind, `body: "<field>"`, nested and multi-segment path
 * variables, `**`, custom verbs and additional bindings. `serviceWithRules`
 * builds services with arbitrary (also broken) rules for route-table tests.
 */
import { create, createFileRegistry, setExtension } from "@bufbuild/protobuf";
import type { DescService } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_timestamp,
  MethodOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { http } from "../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../gen/google/api/http_pb.js";

type Rule = MessageInitShape<typeof HttpRuleSchema>;

export interface MethodSpec {
  name: string;
  rule?: Rule;
  serverStreaming?: boolean;
}

const opt = Label.OPTIONAL;

/**
 * package test.v1:
 *   enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }
 *   message Inner { string key = 1; int32 n = 2; }
 *   message Item {
 *     string name = 1; int32 count = 2; bool flag = 3; repeated string tags = 4;
 *     Color color = 5; int64 big = 6; google.protobuf.Timestamp at = 7;
 *     Inner inner = 8; string display_name = 9; map<string,string> labels = 10;
 *   }
 *   message EchoResponse { Item item = 1; }
 */
export function serviceWithRules(methods: readonly MethodSpec[]): DescService {
  const file = create(FileDescriptorProtoSchema, {
    name: "test/v1/test.proto",
    package: "test.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/timestamp.proto"],
    enumType: [{ name: "Color", value: [{ name: "COLOR_UNSPECIFIED", number: 0 }, { name: "COLOR_RED", number: 1 }] }],
    messageType: [
      {
        name: "Inner",
        field: [
          { name: "key", jsonName: "key", number: 1, type: Type.STRING, label: opt },
          { name: "n", jsonName: "n", number: 2, type: Type.INT32, label: opt },
        ],
      },
      {
        name: "Item",
        field: [
          { name: "name", jsonName: "name", number: 1, type: Type.STRING, label: opt },
          { name: "count", jsonName: "count", number: 2, type: Type.INT32, label: opt },
          { name: "flag", jsonName: "flag", number: 3, type: Type.BOOL, label: opt },
          { name: "tags", jsonName: "tags", number: 4, type: Type.STRING, label: Label.REPEATED },
          { name: "color", jsonName: "color", number: 5, type: Type.ENUM, typeName: ".test.v1.Color", label: opt },
          { name: "big", jsonName: "big", number: 6, type: Type.INT64, label: opt },
          { name: "at", jsonName: "at", number: 7, type: Type.MESSAGE, typeName: ".google.protobuf.Timestamp", label: opt },
          { name: "inner", jsonName: "inner", number: 8, type: Type.MESSAGE, typeName: ".test.v1.Inner", label: opt },
          { name: "display_name", jsonName: "displayName", number: 9, type: Type.STRING, label: opt },
          {
            name: "labels",
            jsonName: "labels",
            number: 10,
            type: Type.MESSAGE,
            typeName: ".test.v1.Item.LabelsEntry",
            label: Label.REPEATED,
          },
        ],
        nestedType: [
          {
            name: "LabelsEntry",
            options: { mapEntry: true },
            field: [
              { name: "key", jsonName: "key", number: 1, type: Type.STRING, label: opt },
              { name: "value", jsonName: "value", number: 2, type: Type.STRING, label: opt },
            ],
          },
        ],
      },
      {
        name: "EchoResponse",
        field: [{ name: "item", jsonName: "item", number: 1, type: Type.MESSAGE, typeName: ".test.v1.Item", label: opt }],
      },
    ],
    service: [
      {
        name: "TestService",
        method: methods.map((m) => {
          const options = create(MethodOptionsSchema);
          if (m.rule !== undefined) setExtension(options, http, create(HttpRuleSchema, m.rule));
          return {
            name: m.name,
            inputType: ".test.v1.Item",
            outputType: ".test.v1.EchoResponse",
            serverStreaming: m.serverStreaming ?? false,
            options,
          };
        }),
      },
    ],
  });
  const registry = createFileRegistry(file, (name) =>
    name === "google/protobuf/timestamp.proto" ? file_google_protobuf_timestamp : undefined,
  );
  const service = registry.getService("test.v1.TestService");
  if (service === undefined) throw new Error("test service not built");
  return service;
}

/** The routes the transcoder integration tests call. */
export const TestService = serviceWithRules([
  { name: "GetItem", rule: { pattern: { case: "get", value: "/items/{name}" } } },
  { name: "ShelfItems", rule: { pattern: { case: "get", value: "/v1/{inner.key=shelves/*}/items" } } },
  { name: "PatchInner", rule: { pattern: { case: "patch", value: "/items/{name}" }, body: "inner" } },
  { name: "GetFile", rule: { pattern: { case: "get", value: "/files/{name=**}" } } },
  { name: "Cancel", rule: { pattern: { case: "post", value: "/items/{name}:cancel" }, body: "*" } },
  {
    name: "Lookup",
    rule: {
      pattern: { case: "get", value: "/lookup/{name}" },
      additionalBindings: [{ pattern: { case: "post", value: "/lookup" }, body: "*", responseBody: "item" }],
    },
  },
  { name: "NotAnnotated" },
]);

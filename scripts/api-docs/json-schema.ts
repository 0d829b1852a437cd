/**
 * JSON Schema (as OpenAPI 3.1 uses it) for protobuf messages in their JSON
 * form with proto field names, which is what the REST door emits
 * (`access_token`, `created_at`). Messages and enums of the contract become
 * components referenced by their full name; well-known types are inlined in
 * their special JSON form (a Timestamp is an RFC 3339 string).
 */
import { ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { commentOf, oneLine } from "./contract.js";

export type Schema = Record<string, unknown>;

/** What a request field must satisfy beyond its type, from the validation table. */
export interface FieldConstraints {
  required?: boolean;
  format?: string;
}
export type ConstraintsOf = (message: DescMessage, field: DescField) => FieldConstraints;

export class SchemaBuilder {
  /** Component name -> schema, filled as messages and enums are referenced. */
  readonly components = new Map<string, Schema>();

  constructor(private readonly constraintsOf: ConstraintsOf) {}

  /** A reference to the message's component (built on first use), or its well-known JSON form. */
  message(message: DescMessage): Schema {
    const known = wellKnown(message);
    if (known !== undefined) return known;
    if (!this.components.has(message.typeName)) {
      // Placeholder first: a message may refer to itself.
      this.components.set(message.typeName, {});
      this.components.set(message.typeName, this.object(message, message.fields));
    }
    return { $ref: `#/components/schemas/${message.typeName}` };
  }

  /** An inline object schema of some of a message's fields (a body without its path fields). */
  object(message: DescMessage, fields: readonly DescField[]): Schema {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const field of fields) {
      properties[field.name] = this.field(field);
      if (this.constraintsOf(message, field).required === true) required.push(field.name);
    }
    const description = commentOf(message);
    return {
      type: "object",
      ...(description !== "" ? { description } : {}),
      properties,
      ...(required.length > 0 ? { required } : {}),
    };
  }

  /** A field's schema with its comment as the description. */
  field(field: DescField): Schema {
    const description = commentOf(field);
    const type = this.fieldType(field);
    const format = this.constraintsOf(field.parent, field).format;
    if (format !== undefined) type.format = format;
    return { ...type, ...(description !== "" ? { description } : {}) };
  }

  private fieldType(field: DescField): Schema {
    switch (field.fieldKind) {
      case "scalar":
        return scalar(field.scalar);
      case "enum":
        return this.enum(field.enum);
      case "message":
        return this.message(field.message);
      case "list":
        return {
          type: "array",
          items:
            field.listKind === "scalar"
              ? scalar(field.scalar)
              : field.listKind === "enum"
                ? this.enum(field.enum)
                : this.message(field.message),
        };
      case "map":
        return {
          type: "object",
          additionalProperties:
            field.mapKind === "scalar"
              ? scalar(field.scalar)
              : field.mapKind === "enum"
                ? this.enum(field.enum)
                : this.message(field.message),
        };
    }
  }

  /** A reference to the enum's component (built on first use): its names, as JSON has them. */
  enum(desc: DescEnum): Schema {
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    if (!this.components.has(desc.typeName)) {
      const values = desc.values.map((v) => {
        const comment = commentOf(v);
        return `- \`${v.name}\`${comment !== "" ? `: ${oneLine(comment)}` : ""}`;
      });
      const description = [commentOf(desc), values.join("\n")].filter((s) => s !== "").join("\n\n");
      this.components.set(desc.typeName, { type: "string", enum: desc.values.map((v) => v.name), description });
    }
    return { $ref: `#/components/schemas/${desc.typeName}` };
  }
}

/** Protobuf JSON: 64-bit integers are strings (numbers are accepted on input), bytes are base64. */
export function scalar(type: ScalarType): Schema {
  switch (type) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64" };
  }
}

/** The JSON forms the protobuf JSON mapping gives the well-known types. */
function wellKnown(message: DescMessage): Schema | undefined {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time" };
    case "google.protobuf.Duration":
      return { type: "string", pattern: "^-?\\d+(\\.\\d+)?s$", examples: ["1.5s"] };
    case "google.protobuf.FieldMask":
      return { type: "string", description: "Comma-separated field paths in lowerCamelCase." };
    case "google.protobuf.Empty":
      return { type: "object" };
    case "google.protobuf.Struct":
      return { type: "object" };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.ListValue":
      return { type: "array" };
    case "google.protobuf.Any":
      return { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] };
    case "google.protobuf.StringValue":
      return scalar(ScalarType.STRING);
    case "google.protobuf.BytesValue":
      return scalar(ScalarType.BYTES);
    case "google.protobuf.BoolValue":
      return scalar(ScalarType.BOOL);
    case "google.protobuf.DoubleValue":
      return scalar(ScalarType.DOUBLE);
    case "google.protobuf.FloatValue":
      return scalar(ScalarType.FLOAT);
    case "google.protobuf.Int32Value":
      return scalar(ScalarType.INT32);
    case "google.protobuf.UInt32Value":
      return scalar(ScalarType.UINT32);
    case "google.protobuf.Int64Value":
      return scalar(ScalarType.INT64);
    case "google.protobuf.UInt64Value":
      return scalar(ScalarType.UINT64);
    default:
      return undefined;
  }
}

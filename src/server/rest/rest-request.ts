/**
 * Build the RPC's request message from a REST request, following the
 * google.api.http mapping: the JSON body (all of it for `body: "*"`, or one
 * field), then query parameters (only when the body is not `*`), then path
 * variables, which win over anything else.
 *
 * Every part is turned into protobuf JSON and merged with protobuf-es'
 * `mergeFromJson`, so the JSON mapping (proto and lowerCamelCase names,
 * int64 as strings, Timestamp as RFC 3339, enums by name...) is protobuf-es'
 * own, not a re-implementation. Bad input becomes `invalid_argument` with a
 * `google.rpc.BadRequest` detail naming the field when known.
 */
import { create, mergeFromJson, ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, JsonObject, JsonValue, Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { resolveFieldPath } from "./field-path.js";
import type { RestRoute } from "./rest-routes.js";

/**
 * @param body the request body as text: undefined when the route takes no
 *   body; blank means "no fields" (an empty message for `body: "*"`).
 */
export function requestMessage(
  route: RestRoute,
  pathBindings: Readonly<Record<string, string>>,
  query: URLSearchParams,
  body: string | undefined,
): Message {
  const schema = route.rpc.input;
  const message = create(schema);

  if (body !== undefined && body.trim() !== "") {
    const json = parseJson(body);
    try {
      // Unknown keys (and enum names) are ignored, as usual for JSON
      // bodies, so that older servers accept newer clients' requests.
      const options = { ignoreUnknownFields: true };
      if (route.body === "*") {
        mergeFromJson(schema, message, json, options);
      } else if (route.bodyField !== undefined) {
        mergeFromJson(schema, message, { [route.bodyField.name]: json }, options);
      }
    } catch (e) {
      throw bodyError(schema, e);
    }
  }

  // With `body: "*"` every field not in the path comes from the body, so
  // the query string is not read at all (as the google.api.http spec says).
  if (route.body !== "*") {
    for (const [key, fields, json] of queryValues(route, query)) {
      mergeUrlValue(schema, message, key, fields, json);
    }
  }
  // Path variables last: they win over the body and the query string.
  for (const [fieldPath, value] of Object.entries(pathBindings)) {
    const fields = resolveFieldPath(schema, fieldPath);
    // Validated when the route was built; a string here is a bug.
    if (typeof fields === "string") throw new Error(fields);
    mergeUrlValue(schema, message, fieldPath, fields, textToJson(fields[fields.length - 1]!, value, fieldPath));
  }
  return message;
}

/** An invalid_argument error with a BadRequest detail for one field. */
export function invalidField(field: string, description: string): ConnectError {
  return new ConnectError(`invalid value for field "${field}": ${description}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: { fieldViolations: [{ field, description }] } },
  ]);
}

function parseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConnectError(`request body is not valid JSON: ${reason}`, Code.InvalidArgument);
  }
}

/** Body errors: protobuf-es names the field when it can. */
function bodyError(schema: DescMessage, e: unknown): ConnectError {
  // protobuf-es wraps a FieldError (which knows the field) in a plain Error
  // whose message reads "cannot decode field X from JSON: <problem>".
  const cause = e instanceof Error ? e.cause : undefined;
  if (cause instanceof Error && "field" in cause && typeof cause.field === "function") {
    const field = (cause.field as () => { name: string })();
    return invalidField(field.name, cause.message);
  }
  const reason = e instanceof Error ? e.message : String(e);
  return new ConnectError(`request body does not match ${schema.typeName}: ${reason}`, Code.InvalidArgument);
}

/**
 * Merge one path or query value, so that any error is reported against the
 * key the client wrote. Strict about unknown enum names: in a URL, a
 * misspelt value is a mistake, not a newer client.
 */
function mergeUrlValue(
  schema: DescMessage,
  message: Message,
  key: string,
  fields: readonly DescField[],
  value: JsonValue,
): void {
  const json: JsonObject = {};
  let node = json;
  for (const field of fields.slice(0, -1)) {
    node = node[field.name] = {};
  }
  node[fields[fields.length - 1]!.name] = value;
  try {
    mergeFromJson(schema, message, json);
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    throw invalidField(key, cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Query parameters as [key, field path, JSON value]. Keys are field paths
 * ("a.b", proto or JSON names); a list field is given by repeating its key.
 * Keys that name no field are ignored (like unknown JSON keys), and so are
 * fields bound by the path or the body, so the query cannot override them.
 */
function queryValues(route: RestRoute, query: URLSearchParams): [string, DescField[], JsonValue][] {
  const values: [string, DescField[], JsonValue][] = [];
  for (const key of new Set(query.keys())) {
    const fields = resolveFieldPath(route.rpc.input, key, true);
    if (typeof fields === "string") continue;
    const protoPath = fields.map((f) => f.name).join(".");
    const boundByPath = route.template.variables.some(
      (v) => v === protoPath || v.startsWith(`${protoPath}.`) || protoPath.startsWith(`${v}.`),
    );
    if (boundByPath || fields[0] === route.bodyField) continue;

    const leaf = fields[fields.length - 1]!;
    const texts = query.getAll(key);
    if (leaf.fieldKind === "list") {
      values.push([key, fields, texts.map((t) => textToJson(leaf, t, key))]);
    } else if (texts.length > 1) {
      throw invalidField(key, "given more than once, but the field is not repeated");
    } else {
      values.push([key, fields, textToJson(leaf, texts[0]!, key)]);
    }
  }
  return values;
}

/**
 * A path or query value is text; turn it into the JSON that protobuf-es
 * expects for the field (or list element). Numbers stay strings: protobuf
 * JSON accepts numeric strings for every integer and float type, and
 * protobuf-es then reports bad ones with the field name.
 */
function textToJson(field: DescField, text: string, key: string): JsonValue {
  const type = elementType(field);
  if (type === undefined) {
    throw invalidField(key, "a map field cannot be set from the URL");
  }
  if (type.scalar === ScalarType.BOOL || type.message?.typeName === "google.protobuf.BoolValue") {
    if (text === "true") return true;
    if (text === "false") return false;
    throw invalidField(key, `expected true or false, got "${text}"`);
  }
  if (type.enum !== undefined) {
    // Enums by name, or by number as in JSON.
    return /^-?\d+$/.test(text) ? Number(text) : text;
  }
  // Well-known types with a string JSON form (Timestamp, Duration,
  // FieldMask, wrappers) parse from text; other messages cannot.
  if (type.message !== undefined && !type.message.typeName.startsWith("google.protobuf.")) {
    throw invalidField(key, `a ${type.message.typeName} message cannot be set from the URL`);
  }
  return text;
}

/** The type of a singular field, or of a list field's elements. */
function elementType(
  field: DescField,
): { scalar?: ScalarType; enum?: DescEnum; message?: DescMessage } | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return { scalar: field.scalar };
    case "enum":
      return { enum: field.enum };
    case "message":
      return { message: field.message };
    case "list":
      switch (field.listKind) {
        case "scalar":
          return { scalar: field.scalar };
        case "enum":
          return { enum: field.enum };
        case "message":
          return { message: field.message };
      }
      break;
    case "map":
      return undefined;
  }
}

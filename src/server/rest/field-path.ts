import type { DescField, DescMessage } from "@bufbuild/protobuf";

/**
 * Resolve a dotted field path ("id", "book.name") against a message, one
 * field per step. Templates use proto field names; query parameters may also
 * use the lowerCamelCase JSON name, like JSON bodies do.
 *
 * Every step but the last must be a singular message field. Returns the
 * fields along the path, or a description of what is wrong.
 */
export function resolveFieldPath(
  message: DescMessage,
  path: string,
  allowJsonNames = false,
): DescField[] | string {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path.split(".")) {
    if (current === undefined) {
      return `"${path}": ${fields[fields.length - 1]?.name} is not a message field`;
    }
    const field: DescField | undefined = current.fields.find(
      (f) => f.name === name || (allowJsonNames && f.jsonName === name),
    );
    if (field === undefined) {
      return `"${path}": ${current.typeName} has no field "${name}"`;
    }
    fields.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return fields;
}

import { isFieldSet, type DescMessage, type Message } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { RequestRules } from "./request-rules.js";

export interface FieldViolation {
  field: string;
  description: string;
}

/** Every violation of the request's rules: the first failing check of each field. */
export function validate(rules: RequestRules, schema: DescMessage, message: Message): FieldViolation[] {
  const fields = rules.get(schema.typeName);
  if (fields === undefined) return [];
  const violations: FieldViolation[] = [];
  for (const [name, checks] of Object.entries(fields)) {
    const field = schema.fields.find((f) => f.name === name);
    if (field === undefined) throw new Error(`validation rule for unknown field ${schema.typeName}.${name}`);
    // Proto3 `optional` fields that are unset are simply not being changed.
    if (field.presence === FeatureSet_FieldPresence.EXPLICIT && !isFieldSet(message, field)) continue;
    const value = (message as unknown as Record<string, unknown>)[field.localName];
    if (typeof value !== "string" && typeof value !== "number") continue;
    for (const check of checks as readonly ((value: string | number) => string | undefined)[]) {
      const problem = check(value);
      if (problem !== undefined) {
        // The description is for people: "new password must…", while `field` stays the proto name.
        violations.push({ field: name, description: `${name.replaceAll("_", " ")} ${problem}` });
        break;
      }
    }
  }
  return violations;
}

// Builders for the error details every door sends: ErrorInfo with our stable
// reason, BadRequest field violations.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "../../../gen/auth/v1/error_reason_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";

export const ERROR_DOMAIN = "auth.v1";

/** An error detail to send: a message schema and a value of it. */
export type OutgoingDetail = NonNullable<ConstructorParameters<typeof ConnectError>[3]>[number];

export function reasonError(
  code: Code,
  reason: ErrorReason,
  message: string,
  details: OutgoingDetail[] = [],
): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: reasonName(reason), domain: ERROR_DOMAIN }) },
    ...details,
  ]);
}

export function invalidFields(violations: readonly { field: string; description: string }[]): ConnectError {
  const message = `invalid request: ${violations.map((v) => v.description).join("; ")}`;
  return reasonError(Code.InvalidArgument, ErrorReason.INVALID_FIELDS, message, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: violations.map((v) => ({ ...v })) }) },
  ]);
}

/** The enum value's full name as in the .proto ("ERROR_REASON_EMAIL_TAKEN"), which clients switch on. */
function reasonName(reason: ErrorReason): string {
  return ErrorReasonSchema.value[reason]?.name ?? "ERROR_REASON_UNSPECIFIED";
}

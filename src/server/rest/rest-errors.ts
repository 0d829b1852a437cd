/**
 * REST rendering of a ConnectError: the HTTP status for its code and a JSON
 * body `{code, message, detail, details}`. `detail` repeats the message
 * because clients of the original (FastAPI) API read it; `details` holds each
 * error detail as protobuf JSON with an "@type" key, i.e. the JSON form of
 * google.protobuf.Any, like google.rpc.Status in Google's REST APIs.
 */
import { create, createRegistry, toJson } from "@bufbuild/protobuf";
import type { JsonObject, JsonValue, Registry } from "@bufbuild/protobuf";
import { anyPack, AnySchema } from "@bufbuild/protobuf/wkt";
import type { Any } from "@bufbuild/protobuf/wkt";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { Code, type ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import { file_google_rpc_error_details, RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";

export interface RestErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: JsonObject;
}

/** The google.rpc detail types, plus any the caller adds. */
export function errorDetailRegistry(extra?: Registry): Registry {
  return extra === undefined
    ? createRegistry(file_google_rpc_error_details)
    : createRegistry(file_google_rpc_error_details, extra);
}

/**
 * @param status overrides the status derived from the code, for errors the
 *   transcoder raises itself with a more precise HTTP meaning (405, 413, 415).
 */
export function restErrorResponse(error: ConnectError, registry: Registry, status?: number): RestErrorResponse {
  const headers: Record<string, string> = {};
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter !== undefined) {
    headers["retry-after"] = String(retryAfter);
  }
  return {
    status: status ?? codeToHttpStatus(error.code),
    headers,
    body: {
      code: codeToString(error.code),
      message: error.rawMessage,
      detail: error.rawMessage,
      details: error.details.map((d) => detailToJson(d, registry)),
    },
  };
}

function detailToJson(detail: ConnectError["details"][number], registry: Registry): JsonValue {
  // Outgoing details are {desc, value}; details parsed from the wire are
  // {type, value: bytes}. Both become a google.protobuf.Any.
  const any: Any =
    "desc" in detail
      ? anyPack(detail.desc, create(detail.desc, detail.value))
      : create(AnySchema, { typeUrl: `type.googleapis.com/${detail.type}`, value: detail.value });
  try {
    return toJson(AnySchema, any, { registry });
  } catch {
    // Not in the registry: still pass it on, as the Any's raw form.
    return { "@type": any.typeUrl, value: base64Encode(any.value) };
  }
}

/**
 * `Retry-After` (whole seconds, rounded up) from a google.rpc.RetryInfo
 * detail. HTTP defines the header for 429 and 503, hence the two codes.
 */
function retryAfterSeconds(error: ConnectError): number | undefined {
  if (error.code !== Code.ResourceExhausted && error.code !== Code.Unavailable) {
    return undefined;
  }
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (delay === undefined) return undefined;
  return Math.max(0, Math.ceil(Number(delay.seconds) + delay.nanos / 1e9));
}

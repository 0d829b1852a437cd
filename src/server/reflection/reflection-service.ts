// gRPC server reflection (grpc.reflection.v1 and its older name v1alpha),
// so grpcurl, buf curl, Postman and gRPC UIs can call the service with no
// copy of our .proto files. Connect-ES has no reflection package for v2
// servers; this is small because protobuf-es already holds every descriptor.
import { create, fromBinary, toBinary, type DescFile } from "@bufbuild/protobuf";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { SchemaIndex } from "./schema-index.js";

type Answer = v1.ServerReflectionResponse["messageResponse"];

/** The answer to one reflection request. Questions that cannot be answered get an error_response, never a failed stream. */
export function answerReflection(index: SchemaIndex, req: v1.ServerReflectionRequest): v1.ServerReflectionResponse {
  return create(v1.ServerReflectionResponseSchema, {
    validHost: req.host,
    originalRequest: req,
    messageResponse: answer(index, req.messageRequest),
  });
}

function answer(index: SchemaIndex, question: v1.ServerReflectionRequest["messageRequest"]): Answer {
  const files = (file: DescFile | undefined, missing: string): Answer =>
    file === undefined
      ? error(Code.NotFound, missing)
      : { case: "fileDescriptorResponse", value: create(v1.FileDescriptorResponseSchema, { fileDescriptorProto: index.withDependencies(file) }) };
  switch (question.case) {
    case "fileByFilename":
      return files(index.fileByName(question.value), `file not found: ${question.value}`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(question.value), `symbol not found: ${question.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = question.value;
      return files(
        index.fileContainingExtension(containingType, extensionNumber),
        `extension not found: ${containingType} field ${extensionNumber}`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(question.value);
      if (numbers === undefined) return error(Code.NotFound, `message type not found: ${question.value}`);
      return {
        case: "allExtensionNumbersResponse",
        value: create(v1.ExtensionNumberResponseSchema, { baseTypeName: question.value, extensionNumber: numbers }),
      };
    }
    case "listServices":
      return {
        case: "listServicesResponse",
        value: create(v1.ListServiceResponseSchema, { service: index.serviceNames.map((name) => ({ name })) }),
      };
    default:
      return error(Code.InvalidArgument, "the request asks nothing: set one field of message_request");
  }
}

function error(code: Code, message: string): Answer {
  return { case: "errorResponse", value: create(v1.ErrorResponseSchema, { errorCode: code, errorMessage: message }) };
}

/** Serves both reflection versions on the router. v1alpha has v1's wire format, so it is answered through v1. */
export function serveReflection(router: ConnectRouter, index: SchemaIndex): void {
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) yield answerReflection(index, req);
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        const asV1 = fromBinary(v1.ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, req));
        const answered = answerReflection(index, asV1);
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(v1.ServerReflectionResponseSchema, answered));
      }
    },
  });
}

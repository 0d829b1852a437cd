// gRPC server reflection, both versions, over a real gRPC connection: what
// tools like grpcurl and buf curl ask, and that the files they get back are
// complete enough to rebuild every service without our .proto files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, createFileRegistry, fromBinary, getOption, type FileRegistry, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { http } from "../../gen/google/api/annotations_pb.js";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

type Question = NonNullable<MessageInitShape<typeof v1.ServerReflectionRequestSchema>["messageRequest"]>;

let t: TestServer;
let ask: (...questions: Question[]) => Promise<v1.ServerReflectionResponse[]>;
beforeAll(async () => {
  t = await startTestServer();
  const client = createClient(v1.ServerReflection, createGrpcTransport({ baseUrl: t.baseUrl }));
  // All questions go on one stream, as tools send them.
  ask = async (...questions) => {
    async function* requests() {
      for (const messageRequest of questions) yield create(v1.ServerReflectionRequestSchema, { messageRequest });
    }
    const answers: v1.ServerReflectionResponse[] = [];
    for await (const answer of client.serverReflectionInfo(requests())) answers.push(answer);
    return answers;
  };
});
afterAll(() => t?.close());

const servedServices = [
  "auth.v1.AuthService",
  "auth.v1.ProfileService",
  "auth.v1.AccountRecoveryService",
  "auth.v1.SessionService",
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

function filesOf(answer: v1.ServerReflectionResponse | undefined) {
  if (answer?.messageResponse.case !== "fileDescriptorResponse") {
    throw new Error(`expected files, got ${JSON.stringify(answer?.messageResponse)}`);
  }
  return answer.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

/** The registry a client builds from an answer: the first file, its imports resolved from the rest. */
function registryOf(answer: v1.ServerReflectionResponse | undefined): FileRegistry {
  return buildRegistry(filesOf(answer));
}

function buildRegistry(files: FileDescriptorProto[]): FileRegistry {
  const byName = new Map(files.map((f) => [f.name, f]));
  // Throws when an imported file is missing: the answer must be self-contained.
  return createFileRegistry(files[0]!, (name) => byName.get(name));
}

function errorOf(answer: v1.ServerReflectionResponse | undefined) {
  if (answer?.messageResponse.case !== "errorResponse") throw new Error(`expected an error, got ${answer?.messageResponse.case}`);
  return answer.messageResponse.value;
}

describe("grpc.reflection.v1", () => {
  it("lists every service it serves, without an access token", async () => {
    const [answer] = await ask({ case: "listServices", value: "" });
    expect(answer?.messageResponse.case).toBe("listServicesResponse");
    const names = answer?.messageResponse.case === "listServicesResponse" ? answer.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual(servedServices);
  });

  it("describes each service with every file it imports, enough to rebuild it", async () => {
    const answers = await ask(...servedServices.map((value): Question => ({ case: "fileContainingSymbol", value })));
    servedServices.forEach((name, i) => {
      const service = registryOf(answers[i]).getService(name);
      expect(service?.typeName).toBe(name);
      for (const method of service!.methods) {
        expect(method.input.typeName).toBeTruthy();
        expect(method.output.typeName).toBeTruthy();
      }
    });
    const login = registryOf(answers[0]).getService("auth.v1.AuthService")!.methods.find((m) => m.name === "Login")!;
    expect(login.input.typeName).toBe("auth.v1.LoginRequest");
    expect(login.input.fields.map((f) => f.name)).toEqual(["email", "password", "refresh_token_cookie"]);
    // Custom options survive: a tool sees the REST mapping too.
    expect(getOption(login, http).pattern).toEqual({ case: "post", value: "/login" });
  });

  it("includes the imported google/api and well-known-type files, dependencies listed by name", async () => {
    const [answer] = await ask({ case: "fileContainingSymbol", value: "auth.v1.ProfileService" });
    const files = filesOf(answer);
    expect(files.map((f) => f.name).sort()).toEqual([
      "auth/v1/profile.proto",
      "auth/v1/profile_service.proto",
      "auth/v1/security_event.proto",
      "google/api/annotations.proto",
      "google/api/http.proto",
      "google/protobuf/descriptor.proto",
      "google/protobuf/timestamp.proto",
    ]);
    expect(files[0]?.name).toBe("auth/v1/profile_service.proto");
    expect(files[0]?.dependency).toEqual([
      "auth/v1/profile.proto",
      "auth/v1/security_event.proto",
      "google/api/annotations.proto",
    ]);
  });

  it("finds files by name, including the error detail types no service imports", async () => {
    const names = [
      "auth/v1/auth_service.proto",
      "google/protobuf/timestamp.proto",
      "google/protobuf/descriptor.proto",
      "grpc/health/v1/health.proto",
      "auth/v1/error_reason.proto",
      "google/rpc/error_details.proto",
    ];
    const answers = await ask(...names.map((value): Question => ({ case: "fileByFilename", value })));
    names.forEach((name, i) => expect(filesOf(answers[i])[0]?.name).toBe(name));
    expect(registryOf(answers[5]).getMessage("google.rpc.ErrorInfo")).toBeDefined();
    expect(registryOf(answers[4]).getEnum("auth.v1.ErrorReason")?.values.map((v) => v.name)).toContain("ERROR_REASON_EMAIL_TAKEN");
  });

  it.each([
    ["a method", "auth.v1.AuthService.Login", "auth/v1/auth_service.proto"],
    ["a message", "auth.v1.Profile", "auth/v1/profile.proto"],
    ["a field", "auth.v1.LoginRequest.email", "auth/v1/auth_service.proto"],
    ["an enum value", "auth.v1.ERROR_REASON_NOT_OWNER", "auth/v1/error_reason.proto"],
    ["a nested enum", "grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"],
    ["a nested enum's value", "grpc.health.v1.HealthCheckResponse.SERVING", "grpc/health/v1/health.proto"],
    ["a oneof", "grpc.reflection.v1.ServerReflectionRequest.message_request", "grpc/reflection/v1/reflection.proto"],
    ["an extension", "google.api.http", "google/api/annotations.proto"],
    ["a well-known type", "google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
    ["a name with a leading dot", ".auth.v1.Profile", "auth/v1/profile.proto"],
  ])("finds the file declaring %s", async (_, symbol, file) => {
    const [answer] = await ask({ case: "fileContainingSymbol", value: symbol });
    expect(filesOf(answer)[0]?.name).toBe(file);
  });

  it("finds extensions by the type they extend and their number", async () => {
    const [byNumber, numbers] = await ask(
      { case: "fileContainingExtension", value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 } },
      { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" },
    );
    expect(filesOf(byNumber)[0]?.name).toBe("google/api/annotations.proto");
    expect(numbers?.messageResponse).toMatchObject({
      case: "allExtensionNumbersResponse",
      value: { baseTypeName: "google.protobuf.MethodOptions", extensionNumber: [72295728] },
    });
  });

  it("answers unknown names with a not_found error response and keeps the stream open", async () => {
    const answers = await ask(
      { case: "fileContainingSymbol", value: "auth.v1.NoSuchThing" },
      { case: "fileByFilename", value: "auth/v1/nothing.proto" },
      { case: "fileContainingExtension", value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 1 } },
      { case: "allExtensionNumbersOfType", value: "auth.v1.NoSuchMessage" },
      { case: undefined },
      { case: "listServices", value: "" },
    );
    expect(answers).toHaveLength(6);
    expect(errorOf(answers[0])).toMatchObject({ errorCode: Code.NotFound, errorMessage: "symbol not found: auth.v1.NoSuchThing" });
    expect(errorOf(answers[1])).toMatchObject({ errorCode: Code.NotFound, errorMessage: "file not found: auth/v1/nothing.proto" });
    expect(errorOf(answers[2]).errorCode).toBe(Code.NotFound);
    expect(errorOf(answers[3]).errorCode).toBe(Code.NotFound);
    expect(errorOf(answers[4]).errorCode).toBe(Code.InvalidArgument);
    expect(answers[5]?.messageResponse.case).toBe("listServicesResponse");
  });

  it("echoes the request and its host in each answer", async () => {
    const client = createClient(v1.ServerReflection, createGrpcTransport({ baseUrl: t.baseUrl }));
    async function* one() {
      yield create(v1.ServerReflectionRequestSchema, { host: "example.test", messageRequest: { case: "listServices", value: "*" } });
    }
    for await (const answer of client.serverReflectionInfo(one())) {
      expect(answer.validHost).toBe("example.test");
      expect(answer.originalRequest?.messageRequest).toEqual({ case: "listServices", value: "*" });
    }
  });
});

describe("grpc.reflection.v1alpha", () => {
  it("answers as v1 does, for the tools that still use it", async () => {
    const client = createClient(v1alpha.ServerReflection, createGrpcTransport({ baseUrl: t.baseUrl }));
    async function* requests() {
      yield create(v1alpha.ServerReflectionRequestSchema, { messageRequest: { case: "listServices", value: "" } });
      yield create(v1alpha.ServerReflectionRequestSchema, { messageRequest: { case: "fileContainingSymbol", value: "auth.v1.AuthService" } });
      yield create(v1alpha.ServerReflectionRequestSchema, { messageRequest: { case: "fileContainingSymbol", value: "nope.Nope" } });
    }
    const answers: v1alpha.ServerReflectionResponse[] = [];
    for await (const answer of client.serverReflectionInfo(requests())) answers.push(answer);
    expect(answers.map((a) => a.messageResponse.case)).toEqual(["listServicesResponse", "fileDescriptorResponse", "errorResponse"]);
    const files = answers[1]?.messageResponse.case === "fileDescriptorResponse" ? answers[1].messageResponse.value.fileDescriptorProto : [];
    const registry = buildRegistry(files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes)));
    expect(registry.getService("auth.v1.AuthService")?.methods.map((m) => m.name)).toEqual(["Register", "Login", "Refresh", "Logout", "LogoutAll"]);
    expect(answers[2]?.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: Code.NotFound } });
  });
});

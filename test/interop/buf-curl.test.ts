// `buf curl`, a client written in Go, against the real server with no copy
// of our protos: everything it knows of the schema comes from reflection.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileRegistry, fromBinary, getOption } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { http } from "../../gen/google/api/annotations_pb.js";
import { bufCurl, bufCurlJson } from "../support/buf-curl.js";
import { newAccount } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

describe("buf curl with server reflection", () => {
  it("lists the services", async () => {
    const { exitCode, stdout } = await bufCurl(["--list-services", t.baseUrl]);
    expect(exitCode).toBe(0);
    expect(stdout.trim().split("\n")).toEqual([
      "auth.v1.AccountRecoveryService",
      "auth.v1.AuthService",
      "auth.v1.ProfileService",
      "auth.v1.SessionService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  });

  it("lists the methods", async () => {
    const { exitCode, stdout } = await bufCurl(["--list-methods", t.baseUrl]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("auth.v1.AuthService/Register\n");
    expect(stdout).toContain("auth.v1.AuthService/Login\n");
    expect(stdout).toContain("auth.v1.ProfileService/GetProfile\n");
    expect(stdout).toContain("auth.v1.ProfileService/UpdateProfile\n");
    expect(stdout).toContain("grpc.health.v1.Health/Check\n");
  });

  it.each(["grpc-v1", "grpc-v1alpha"])("lists the services over the %s reflection protocol", async (version) => {
    const { exitCode, stdout } = await bufCurl(["--list-services", "--reflect-protocol", version, t.baseUrl]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("auth.v1.ProfileService");
  });

  it("describes a method: asked over the reflection protocol itself, the answer defines Login completely", async () => {
    const answer = await bufCurlJson([
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "-d",
      '{"fileContainingSymbol": "auth.v1.AuthService.Login"}',
      `${t.baseUrl}/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`,
    ]);
    const files = (answer.fileDescriptorResponse.fileDescriptorProto as string[]).map((b64) =>
      fromBinary(FileDescriptorProtoSchema, base64Decode(b64)),
    );
    const byName = new Map(files.map((f) => [f.name, f]));
    const registry = createFileRegistry(files[0]!, (name) => byName.get(name));
    const login = registry.getService("auth.v1.AuthService")?.methods.find((m) => m.name === "Login");
    expect(login?.methodKind).toBe("unary");
    expect(login?.input.fields.map((f) => `${f.name}=${f.number}`)).toEqual(["email=1", "password=2", "refresh_token_cookie=3"]);
    expect(login?.output.fields.map((f) => f.name)).toEqual([
      "access_token",
      "token_type",
      "expires_in",
      "refresh_token",
      "refresh_expires_in",
    ]);
    expect(getOption(login!, http).pattern).toEqual({ case: "post", value: "/login" });
  });

  it("gets an error response, not a broken stream, for an unknown symbol", async () => {
    const { exitCode, stdout } = await bufCurl([
      "--protocol",
      "grpc",
      "-d",
      '{"fileContainingSymbol": "auth.v1.Nope"} {"listServices": ""}',
      `${t.baseUrl}/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`,
    ]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('"errorCode": 5');
    expect(stdout).toContain('"errorMessage": "symbol not found: auth.v1.Nope"');
    expect(stdout).toContain('"listServicesResponse"');
  });
});

// buf curl's flags for each protocol; reflection always runs over HTTP/2.
const protocols: Record<string, string[]> = {
  grpc: ["--protocol", "grpc", "--http2-prior-knowledge"],
  connect: ["--protocol", "connect"],
  "grpc-web": ["--protocol", "grpcweb"],
};

describe.each(Object.keys(protocols))("buf curl over %s", (protocol) => {
  const call = (method: string, body: unknown, token?: string) =>
    bufCurl([
      ...protocols[protocol]!,
      ...(token === undefined ? [] : ["-H", `authorization: Bearer ${token}`]),
      "-d",
      JSON.stringify(body),
      `${t.baseUrl}/${method}`,
    ]);
  const ok = async (method: string, body: unknown, token?: string) => {
    const result = await call(method, body, token);
    if (result.exitCode !== 0) throw new Error(`${method} exited ${result.exitCode}: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, any>;
  };

  it("registers, logs in, reads and updates the profile", async () => {
    const account = newAccount("bufcurl");
    const { id } = await ok("auth.v1.AuthService/Register", account);
    const login = await ok("auth.v1.AuthService/Login", { email: account.email, password: account.password });
    expect(login).toMatchObject({ tokenType: "bearer", expiresIn: 900 });

    const read = await ok("auth.v1.ProfileService/GetProfile", { id }, login.accessToken);
    expect(read.profile).toMatchObject({ id, user: account.user, email: account.email });

    const renamed = `${account.user}-renamed`;
    const updated = await ok("auth.v1.ProfileService/UpdateProfile", { id, user: renamed }, login.accessToken);
    expect(updated.profile).toMatchObject({ id, user: renamed, email: account.email });
    expect(await t.sql('select "user" from users where id = $1', [id])).toEqual([{ user: renamed }]);
  });

  it("exits with the gRPC code of a failed call and prints the error's reason", async () => {
    const account = newAccount("bufcurl");
    await ok("auth.v1.AuthService/Register", account);
    const wrong = await call("auth.v1.AuthService/Login", { email: account.email, password: `${account.password}!` });
    expect(wrong.exitCode).toBe(Code.Unauthenticated << 3);
    expect(wrong.stderr).toContain('"code": "unauthenticated"');
    expect(wrong.stderr).toContain('"type": "google.rpc.ErrorInfo"');

    const missingToken = await call("auth.v1.ProfileService/GetProfile", { id: randomUUID() });
    expect(missingToken.exitCode).toBe(Code.Unauthenticated << 3);
  });

  it("checks health", async () => {
    expect(await ok("grpc.health.v1.Health/Check", {})).toEqual({ status: "SERVING" });
    expect(await ok("grpc.health.v1.Health/Check", { service: "auth.v1.AuthService" })).toEqual({ status: "SERVING" });
    const unknown = await call("grpc.health.v1.Health/Check", { service: "no.such.Service" });
    expect(unknown.exitCode).toBe(Code.NotFound << 3);
  });
});

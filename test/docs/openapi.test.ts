// /openapi.json against the server that serves it: the same routes as the
// REST transcoder, each one really routed, the security scheme where the
// server wants a token, schemas that match what REST sends, and a document
// that is valid OpenAPI 3.1.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publicMethods, services } from "../../src/services/routes.js";
import { restRoutesFromServices } from "../../src/server/rest/rest-routes.js";
import { newAccount } from "../support/fixtures.js";
import { restDoor } from "../support/doors.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  parameters: { name: string; in: string }[];
  requestBody?: unknown;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
}

let t: TestServer;
let text: string;
let doc: Document;
beforeAll(async () => {
  t = await startTestServer();
  text = await (await fetch(`${t.baseUrl}/openapi.json`)).text();
  doc = JSON.parse(text) as Document;
});
afterAll(() => t?.close());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );

/** A concrete URL for a documented path: every path parameter is a fresh UUID. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, () => randomUUID());

describe("/openapi.json", () => {
  it("documents exactly the REST routes the server serves, one operation per RPC binding", () => {
    const served = restRoutesFromServices(services).map((r) => ({
      method: r.httpMethod,
      path: r.pathTemplate,
      rpc: `${r.rpc.parent.name}_${r.rpc.name}`,
    }));
    const documented = operations().map(({ method, path, op }) => ({
      method,
      path,
      rpc: op.operationId.replace(/_\d+$/, ""),
    }));
    expect(documented).toEqual(served);
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents no route the server does not answer", async () => {
    for (const { method, path, op } of operations()) {
      const res = await fetch(`${t.baseUrl}${concrete(path)}`, {
        method,
        ...(op.requestBody !== undefined ? { body: "{}", headers: { "content-type": "application/json" } } : {}),
      });
      const body = (await res.json()) as { message: string };
      expect(res.status, `${method} ${path}`).not.toBe(405);
      expect(body.message, `${method} ${path}`).not.toMatch(/^no route for/);
    }
  });

  it("asks for the bearer token exactly where the server requires one", async () => {
    const publicIds = new Set(publicMethods.map((m) => `${m.parent.name}_${m.name}`));
    for (const { method, path, op } of operations()) {
      const needsToken = op.security.some((s) => "bearerAuth" in s);
      expect(needsToken, op.operationId).toBe(!publicIds.has(op.operationId.replace(/_\d+$/, "")));
      const res = await fetch(`${t.baseUrl}${concrete(path)}`, {
        method,
        ...(op.requestBody !== undefined ? { body: "{}", headers: { "content-type": "application/json" } } : {}),
      });
      const reason = ((await res.json()) as { details: { reason?: string }[] }).details.find((d) => d.reason)?.reason;
      expect(reason === "ERROR_REASON_ACCESS_TOKEN_MISSING", `${method} ${path}`).toBe(needsToken);
    }
  });

  it("describes REST bodies with the proto field names that REST sends", async () => {
    const account = newAccount("openapi");
    const rest = restDoor(t.baseUrl);
    const { id } = await rest.register(account);
    const login = (await (
      await fetch(`${t.baseUrl}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(account),
      })
    ).json()) as Record<string, unknown>;
    const profile = (await (
      await fetch(`${t.baseUrl}/profile/${id}`, { headers: { authorization: `Bearer ${String(login.access_token)}` } })
    ).json()) as Record<string, unknown>;
    const properties = (name: string) => Object.keys(doc.components.schemas[name]!.properties!).sort();
    expect(Object.keys(login).sort()).toEqual(properties("auth.v1.LoginResponse"));
    expect(Object.keys(profile).sort()).toEqual(properties("auth.v1.Profile"));
    expect(properties("auth.v1.Profile")).toContain("created_at");
  });

  it("lists the error statuses each RPC's comments promise", () => {
    const statuses = (path: string, method: string) =>
      Object.keys((doc.paths[path]![method] as unknown as { responses: Record<string, unknown> }).responses);
    expect(statuses("/register", "post")).toEqual(["200", "400", "409", "429", "default"]);
    expect(statuses("/login", "post")).toEqual(["200", "400", "401", "429", "default"]);
    // GetProfile's errors are those its service's comment lists for every RPC.
    expect(statuses("/profile/{id}", "get")).toEqual(["200", "400", "401", "403", "404", "429", "default"]);
    expect(statuses("/profile/{id}", "put")).toEqual(["200", "400", "401", "403", "404", "409", "429", "default"]);
  });

  it("describes the REST error body", async () => {
    const res = await fetch(`${t.baseUrl}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...newAccount(), password: "short" }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    const error = doc.components.schemas.Error!;
    expect(Object.keys(body).sort()).toEqual(Object.keys(error.properties!).sort());
    expect(error.required).toEqual(["code", "message", "detail", "details"]);
    expect((error.properties!.code as { enum: string[] }).enum).toContain(body.code);
  });

  it("is valid OpenAPI 3.1 by Redocly's recommended rules", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: text, absoluteRef: "/openapi.json", config });
    expect(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ""}`)).toEqual([]);
  });
});

describe("docs/api.md", () => {
  it("documents every RPC of every served service by its procedure path", () => {
    const markdown = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
    for (const service of services) {
      for (const rpc of service.methods) expect(markdown).toContain(`| Procedure | \`/${service.typeName}/${rpc.name}\` |`);
    }
  });
});

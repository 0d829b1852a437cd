/**
 * The Connect / gRPC / gRPC-Web API reference in Markdown, from the same
 * descriptors and comments as the OpenAPI document: every service and RPC
 * of the served services, then every message and enum of their package.
 */
import { ScalarType } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { DescEnum, DescField, DescMessage, DescMethod, DescService, FileRegistry } from "@bufbuild/protobuf";
import { restRoutesFromServices } from "../../src/server/rest/rest-routes.js";
import { commentOf, oneLine } from "./contract.js";

export interface MarkdownInput {
  title: string;
  /** Said under the title: what generated this file. */
  preamble: string;
  registry: FileRegistry;
  services: readonly DescService[];
  isPublic: (rpc: DescMethod) => boolean;
}

export function markdownReference(input: MarkdownInput): string {
  const packages = new Set(input.services.map((s) => s.file.proto.package));
  const files = [...input.registry.files].filter((f) => packages.has(f.proto.package)).sort((a, b) => a.name.localeCompare(b.name));
  const messages = files.flatMap((f) => nestedMessages(f.messages)).sort(byName);
  const enums = files.flatMap((f) => [...f.enums, ...nestedMessages(f.messages).flatMap((m) => m.nestedEnums)]).sort(byName);
  const routes = restRoutesFromServices(input.services);

  const out: string[] = [`# ${input.title}`, "", input.preamble, ""];
  out.push("## Services", "");
  for (const service of input.services) {
    out.push(`### ${service.typeName}`, "", commentOf(service), "");
    for (const rpc of service.methods) {
      const rest = routes.filter((r) => r.rpc === rpc).map((r) => `\`${r.httpMethod} ${r.pathTemplate}\``);
      const getAllowed = rpc.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
      out.push(
        `#### ${rpc.name}`,
        "",
        "```proto",
        `rpc ${rpc.name}(${rpc.input.name}) returns (${rpc.output.name})`,
        "```",
        "",
        "| | |",
        "| --- | --- |",
        `| Procedure | \`/${service.typeName}/${rpc.name}\` |`,
        `| Request / response | [${rpc.input.typeName}](#${anchor(rpc.input.typeName)}) / [${rpc.output.typeName}](#${anchor(rpc.output.typeName)}) |`,
        `| Access token | ${input.isPublic(rpc) ? "not needed" : "required: `Authorization: Bearer <access_token>`"} |`,
        `| Connect GET | ${getAllowed ? "yes (no side effects)" : "no"} |`,
        `| REST | ${rest.length > 0 ? rest.join(", ") : "none"} |`,
        "",
        commentOf(rpc),
        "",
      );
    }
  }

  out.push("## Messages", "");
  for (const message of messages) {
    out.push(`### ${message.typeName}`, "", commentOf(message), "");
    if (message.fields.length === 0) {
      out.push("No fields.", "");
      continue;
    }
    out.push("| Field | Type | Connect JSON | Description |", "| --- | --- | --- | --- |");
    for (const field of message.fields) {
      out.push(`| \`${field.name}\` | ${typeOf(field)} | \`${field.jsonName}\` | ${cell(commentOf(field))} |`);
    }
    out.push("");
  }

  out.push("## Enums", "");
  for (const desc of enums) {
    out.push(`### ${desc.typeName}`, "", commentOf(desc), "", "| Value | Number | Description |", "| --- | --- | --- |");
    for (const value of desc.values) {
      out.push(`| \`${value.name}\` | ${value.number} | ${cell(commentOf(value))} |`);
    }
    out.push("");
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}

function nestedMessages(messages: readonly DescMessage[]): DescMessage[] {
  return messages.flatMap((m) => [m, ...nestedMessages(m.nestedMessages)]);
}

function byName(a: { typeName: string }, b: { typeName: string }): number {
  return a.typeName.localeCompare(b.typeName);
}

/** The proto type as written, linked when it is one of ours. */
function typeOf(field: DescField): string {
  const optional = field.proto.proto3Optional ? "optional " : "";
  switch (field.fieldKind) {
    case "scalar":
      return `${optional}\`${ScalarType[field.scalar].toLowerCase()}\``;
    case "enum":
      return `${optional}${typeLink(field.enum)}`;
    case "message":
      return `${optional}${typeLink(field.message)}`;
    case "list":
      return `repeated ${
        field.listKind === "scalar" ? `\`${ScalarType[field.scalar].toLowerCase()}\`` : typeLink(field.listKind === "enum" ? field.enum : field.message)
      }`;
    case "map": {
      const value =
        field.mapKind === "scalar" ? ScalarType[field.scalar].toLowerCase() : field.mapKind === "enum" ? field.enum.typeName : field.message.typeName;
      return `\`map<${ScalarType[field.mapKey].toLowerCase()}, ${value}>\``;
    }
  }
}

function typeLink(desc: DescMessage | DescEnum): string {
  return desc.typeName.startsWith("google.") ? `\`${desc.typeName}\`` : `[${desc.typeName}](#${anchor(desc.typeName)})`;
}

/** GitHub's heading anchors: lower case, dots dropped. */
function anchor(typeName: string): string {
  return typeName.toLowerCase().replace(/[^a-z0-9_-]/g, "");
}

function cell(comment: string): string {
  return oneLine(comment).replace(/\|/g, "\\|");
}

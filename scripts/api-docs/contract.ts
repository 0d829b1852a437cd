/**
 * The contract with its comments, which are the API reference. The code in
 * gen/ carries no source info, so `buf build` compiles proto/ again into a
 * descriptor set that keeps it, and the docs are made from that.
 */
import { execFileSync } from "node:child_process";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import type {
  DescEnum,
  DescEnumValue,
  DescField,
  DescMessage,
  DescMethod,
  DescService,
  FileRegistry,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { getComments } from "@bufbuild/protoplugin";

export type Documented = DescService | DescMethod | DescMessage | DescField | DescEnum | DescEnumValue;

/** Runs `buf build` in `root` (the folder holding buf.yaml). */
export function buildContract(root: string): FileRegistry {
  const image = execFileSync("buf", ["build", "--as-file-descriptor-set", "-o", "-"], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PATH: `${root}/node_modules/.bin:${process.env.PATH ?? ""}` },
  });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, image));
}

/** The services with these full names, in this order; throws for one the contract lacks. */
export function servicesNamed(registry: FileRegistry, typeNames: readonly string[]): DescService[] {
  return typeNames.map((name) => {
    const service = registry.getService(name);
    if (service === undefined) throw new Error(`the contract has no service ${name}`);
    return service;
  });
}

/** An element's leading comment (Markdown), or "" when it has none. */
export function commentOf(desc: Documented): string {
  return (getComments(desc).leading ?? "")
    .split("\n")
    // protoc keeps the space after "//" on every line.
    .map((line) => (line.startsWith(" ") ? line.slice(1) : line))
    .join("\n")
    .trim();
}

/** The first sentence of a comment, for summaries. */
export function firstSentence(comment: string): string {
  const paragraph = (comment.split(/\n\s*\n/, 1)[0] ?? "").replace(/\s*\n\s*/g, " ").trim();
  const end = paragraph.search(/\.(\s|$)/);
  return end < 0 ? paragraph : paragraph.slice(0, end + 1);
}

/** A comment on one line, for lists and table cells. */
export function oneLine(comment: string): string {
  return comment.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Path templates of `google.api.http` rules (see google/api/http.proto):
 *
 *   Template = "/" Segments [ Verb ] ;
 *   Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;
 *   Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   FieldPath = IDENT { "." IDENT } ;
 *   Verb     = ":" LITERAL ;
 *
 * A template is parsed once, at start-up, into a flat list of segment
 * matchers; bad templates throw `PathTemplateError` then, not per request.
 */

/** A template that does not follow the grammar above. */
export class PathTemplateError extends Error {
  constructor(template: string, problem: string) {
    super(`invalid path template "${template}": ${problem}`);
    this.name = "PathTemplateError";
  }
}

/** One segment of the flattened template. */
type Segment =
  | { kind: "literal"; value: string }
  | { kind: "any" } // "*": exactly one non-empty segment
  | { kind: "rest" }; // "**": zero or more segments, only last

/** A variable: the field path it binds and the segments it spans. */
interface Variable {
  fieldPath: string;
  start: number; // index into segments
  end: number; // exclusive
  /** `{x}` / `{x=*}` bind one segment; anything else binds several. */
  multi: boolean;
}

export interface PathTemplate {
  /** The template exactly as written in the proto. */
  readonly source: string;
  /** Field paths of the variables, in order, e.g. ["id"] or ["book.name"]. */
  readonly variables: readonly string[];
  /** The custom verb (text after ":" in the last segment), if any. */
  readonly verb: string | undefined;
  /**
   * The template with variables replaced by their patterns
   * (`/profile/{id}` -> `/profile/*`): two templates with the same shape
   * match the same paths.
   */
  readonly shape: string;
  /**
   * Match a request path (without query string, still percent-encoded).
   * Returns the variable bindings (field path -> decoded value), or
   * undefined when the path does not match or is not validly encoded.
   */
  match(path: string): Record<string, string> | undefined;
}

const identPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parsePathTemplate(source: string): PathTemplate {
  const fail = (problem: string): never => {
    throw new PathTemplateError(source, problem);
  };
  if (!source.startsWith("/")) {
    fail('must start with "/"');
  }
  const [body, verb] = splitVerb(source, fail);
  const segments: Segment[] = [];
  const variables: Variable[] = [];
  for (const raw of splitOutsideBraces(body.slice(1), fail)) {
    if (raw.includes("{")) {
      if (!raw.startsWith("{") || !raw.endsWith("}")) {
        fail(`variable in "${raw}" must be a whole segment`);
      }
      const inner = raw.slice(1, -1);
      const eq = inner.indexOf("=");
      const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
      if (!fieldPath.split(".").every((p) => identPattern.test(p))) {
        fail(`"${fieldPath}" is not a field path`);
      }
      if (variables.some((v) => v.fieldPath === fieldPath)) {
        fail(`variable "${fieldPath}" appears twice`);
      }
      const pattern = eq < 0 ? "*" : inner.slice(eq + 1);
      const start = segments.length;
      for (const part of pattern.split("/")) {
        if (part.includes("{") || part.includes("}")) {
          fail("variables cannot be nested");
        }
        segments.push(parseSegment(part, fail));
      }
      variables.push({ fieldPath, start, end: segments.length, multi: pattern !== "*" });
    } else {
      segments.push(parseSegment(raw, fail));
    }
  }
  // "**" is greedy; allowing it anywhere but last would need backtracking.
  if (segments.slice(0, -1).some((s) => s.kind === "rest")) {
    fail('"**" is only allowed as the last segment');
  }
  const shape =
    "/" +
    segments.map((s) => (s.kind === "literal" ? s.value : s.kind === "any" ? "*" : "**")).join("/") +
    (verb === undefined ? "" : `:${verb}`);

  return {
    source,
    variables: variables.map((v) => v.fieldPath),
    verb,
    shape,
    match: (path) => match(segments, variables, verb, path),
  };
}

function parseSegment(part: string, fail: (problem: string) => never): Segment {
  if (part === "*") return { kind: "any" };
  if (part === "**") return { kind: "rest" };
  if (part === "") fail("empty segment");
  if (/[*{}=?#]/.test(part)) fail(`bad literal segment "${part}"`);
  return { kind: "literal", value: part };
}

/** Split "/a/{b=c/*}:verb" into ["/a/{b=c/*}", "verb"]. */
function splitVerb(
  source: string,
  fail: (problem: string) => never,
): [string, string | undefined] {
  // The verb is the text after the last ":" outside braces, provided that
  // ":" comes after the last "/" outside braces.
  let depth = 0;
  let lastSlash = -1;
  let lastColon = -1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (depth === 0 && c === "/") lastSlash = i;
    else if (depth === 0 && c === ":") lastColon = i;
  }
  if (lastColon < 0 || lastColon < lastSlash) {
    return [source, undefined];
  }
  const verb = source.slice(lastColon + 1);
  if (!/^[A-Za-z0-9_.~-]+$/.test(verb)) {
    fail(`bad verb "${verb}"`);
  }
  return [source.slice(0, lastColon), verb];
}

/** Split on "/" except inside "{...}", rejecting unbalanced braces. */
function splitOutsideBraces(text: string, fail: (problem: string) => never): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of text) {
    if (c === "{") {
      if (depth > 0) fail("variables cannot be nested");
      depth++;
    } else if (c === "}") {
      if (depth === 0) fail('unbalanced "}"');
      depth--;
    }
    if (c === "/" && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  if (depth !== 0) fail('unbalanced "{"');
  parts.push(current);
  return parts;
}

function match(
  segments: readonly Segment[],
  variables: readonly Variable[],
  verb: string | undefined,
  path: string,
): Record<string, string> | undefined {
  if (!path.startsWith("/")) return undefined;
  let rest = path.slice(1);
  if (verb !== undefined) {
    if (!rest.endsWith(`:${verb}`)) return undefined;
    rest = rest.slice(0, -verb.length - 1);
  }
  // Split before decoding, so an encoded "/" (%2F) stays inside its segment.
  const parts = rest.split("/");
  const last = segments[segments.length - 1];
  const hasRest = last?.kind === "rest";
  if (hasRest ? parts.length < segments.length - 1 : parts.length !== segments.length) {
    return undefined;
  }
  // `decoded` holds the full decoding of every segment matched one-to-one.
  const decoded: string[] = [];
  for (let i = 0; i < parts.length && i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === "rest") break;
    const value = decode(parts[i]!);
    if (value === undefined) return undefined;
    if (segment.kind === "literal" ? value !== segment.value : value === "") {
      return undefined;
    }
    decoded.push(value);
  }
  const bindings: Record<string, string> = {};
  for (const v of variables) {
    if (!v.multi) {
      bindings[v.fieldPath] = decoded[v.start]!;
      continue;
    }
    // Multi-segment variables keep "/" as separator, so per the spec they
    // are decoded except for "%2F", which must stay distinguishable.
    const end = v.end === segments.length && hasRest ? parts.length : v.end;
    const values: string[] = [];
    for (const part of parts.slice(v.start, end)) {
      const value = decode(part, true);
      if (value === undefined) return undefined;
      values.push(value);
    }
    bindings[v.fieldPath] = values.join("/");
  }
  return bindings;
}

/** Percent-decode one segment; undefined when the encoding is malformed. */
function decode(segment: string, keepEncodedSlash = false): string | undefined {
  try {
    if (!keepEncodedSlash) return decodeURIComponent(segment);
    // split() with a capturing group keeps the "%2F"s at the odd indexes.
    return segment
      .split(/(%2F)/i)
      .map((piece, i) => (i % 2 === 1 ? piece : decodeURIComponent(piece)))
      .join("");
  } catch {
    return undefined;
  }
}

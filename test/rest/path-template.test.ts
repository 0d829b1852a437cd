import { describe, expect, it } from "vitest";
import { parsePathTemplate, PathTemplateError } from "../../src/server/rest/path-template.js";

describe("parsePathTemplate", () => {
  it("binds a {field} variable to one segment", () => {
    const t = parsePathTemplate("/profile/{id}");
    expect(t.variables).toEqual(["id"]);
    expect(t.shape).toBe("/profile/*");
    expect(t.match("/profile/abc")).toEqual({ id: "abc" });
  });

  it("does not match other shapes, empty segments or trailing slashes", () => {
    const t = parsePathTemplate("/profile/{id}");
    expect(t.match("/profile")).toBeUndefined();
    expect(t.match("/profile/")).toBeUndefined();
    expect(t.match("/profile/a/b")).toBeUndefined();
    expect(t.match("/profile/a/")).toBeUndefined();
    expect(t.match("/profiles/a")).toBeUndefined();
    expect(t.match("profile/a")).toBeUndefined();
  });

  it("matches a template without variables exactly", () => {
    const t = parsePathTemplate("/register");
    expect(t.variables).toEqual([]);
    expect(t.match("/register")).toEqual({});
    expect(t.match("/register/x")).toBeUndefined();
    expect(t.match("/")).toBeUndefined();
  });

  it("fully decodes a single-segment variable, including an encoded slash", () => {
    const t = parsePathTemplate("/profile/{id}");
    expect(t.match("/profile/a%20b%2Fc")).toEqual({ id: "a b/c" });
    expect(t.match("/profile/%C3%A9t%C3%A9")).toEqual({ id: "été" });
  });

  it("decodes literal segments before comparing them", () => {
    expect(parsePathTemplate("/profile/{id}").match("/pro%66ile/x")).toEqual({ id: "x" });
  });

  it("does not match malformed percent-encoding", () => {
    expect(parsePathTemplate("/profile/{id}").match("/profile/%zz")).toBeUndefined();
    expect(parsePathTemplate("/profile/{id}").match("/profile/%E0%A4%A")).toBeUndefined();
  });

  it("binds a multi-segment variable, keeping %2F encoded", () => {
    const t = parsePathTemplate("/v1/{name=shelves/*/books/*}");
    expect(t.shape).toBe("/v1/shelves/*/books/*");
    expect(t.match("/v1/shelves/s1/books/b%20%2f2")).toEqual({ name: "shelves/s1/books/b %2f2" });
    expect(t.match("/v1/shelves/s1/books")).toBeUndefined();
    expect(t.match("/v1/racks/s1/books/b")).toBeUndefined();
  });

  it("supports several variables and nested field paths", () => {
    const t = parsePathTemplate("/v1/{parent.id}/items/{item_id=*}");
    expect(t.variables).toEqual(["parent.id", "item_id"]);
    expect(t.match("/v1/p/items/i")).toEqual({ "parent.id": "p", item_id: "i" });
  });

  it("lets ** match zero or more trailing segments", () => {
    const t = parsePathTemplate("/files/{path=**}");
    expect(t.match("/files/a/b/c.txt")).toEqual({ path: "a/b/c.txt" });
    expect(t.match("/files/a")).toEqual({ path: "a" });
    expect(t.match("/files")).toEqual({ path: "" });
    expect(parsePathTemplate("/x/**").match("/x/1/2")).toEqual({});
  });

  it("matches a bare * segment without binding it", () => {
    const t = parsePathTemplate("/v1/*/items/{id}");
    expect(t.match("/v1/anything/items/7")).toEqual({ id: "7" });
  });

  it("requires and strips a custom verb", () => {
    const t = parsePathTemplate("/v1/{name=items/*}:cancel");
    expect(t.verb).toBe("cancel");
    expect(t.shape).toBe("/v1/items/*:cancel");
    expect(t.match("/v1/items/42:cancel")).toEqual({ name: "items/42" });
    expect(t.match("/v1/items/42")).toBeUndefined();
    expect(t.match("/v1/items/42:undo")).toBeUndefined();
  });

  it("treats a colon inside a non-final segment as part of the literal", () => {
    expect(parsePathTemplate("/a:b/{id}").match("/a:b/1")).toEqual({ id: "1" });
  });

  it.each([
    ["profile/{id}", 'must start with "/"'],
    ["/profile/{id", 'unbalanced "{"'],
    ["/profile/id}", 'unbalanced "}"'],
    ["/profile/{a{b}}", "nested"],
    ["/profile/{a=x/{b}}", "nested"],
    ["/profile//x", "empty segment"],
    ["/profile/", "empty segment"],
    ["/", "empty segment"],
    ["/profile/{1id}", "not a field path"],
    ["/profile/{a..b}", "not a field path"],
    ["/profile/{}", "not a field path"],
    ["/a/{id}/{id}", "appears twice"],
    ["/a/**/b", '"**" is only allowed as the last segment'],
    ["/a/{x=**}/b", '"**" is only allowed as the last segment'],
    ["/a/x{id}", "must be a whole segment"],
    ["/a/{id}x", "must be a whole segment"],
    ["/a/b:", "bad verb"],
    ["/a/b*c", "bad literal"],
  ])("rejects %s (%s)", (template, problem) => {
    expect(() => parsePathTemplate(template)).toThrow(PathTemplateError);
    expect(() => parsePathTemplate(template)).toThrow(problem);
  });
});

/** What POST /v1/receptionists makes of a template with overrides: RFC 7396 merging, and problems at their body paths. */
import { describe, expect, test } from "bun:test";
import { templateById } from "../../machines/flows/index.ts";
import { mergePatch, resolveCreateBody, resolveDefinitionBody } from "../../src/http/receptionist-body.ts";

describe("mergePatch (RFC 7396)", () => {
  test("the RFC's examples", () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: "b" }, { a: "c" }, { a: "c" }],
      [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
      [{ a: "b" }, { a: null }, {}],
      [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
      [{ a: ["b"] }, { a: "c" }, { a: "c" }],
      [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
      [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
      [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
      [["a", "b"], ["c", "d"], ["c", "d"]],
      [{ a: "b" }, ["c"], ["c"]],
      [{ a: "foo" }, null, null],
      [{ a: "foo" }, "bar", "bar"],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: "b", c: null }, { a: "b" }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, result] of cases) expect(mergePatch(target, patch)).toEqual(result);
  });

  test("leaves the target as it was, and keeps __proto__ a plain key", () => {
    const target = Object.freeze({ a: Object.freeze({ b: 1 }) });
    const merged = mergePatch(target, JSON.parse('{"a": {"c": 2}, "__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(target).toEqual({ a: { b: 1 } });
    expect(Object.keys(merged)).toEqual(["a", "__proto__"]);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("resolving a body", () => {
  test("a template without overrides is the template's definition", () => {
    const resolved = resolveCreateBody({ template: "after-hours" });
    expect(resolved).toEqual({ ok: true, definition: templateById("after-hours")!.definition, template: "after-hours" });
  });

  test("a template request is told apart by its template key; PUT takes no template", () => {
    const put = resolveDefinitionBody({ template: "after-hours" });
    expect(put.ok).toBe(false);
    if (!put.ok) expect(put.problems).toContainEqual({ path: ["template"], message: "unknown field" });
  });

  test("problems from the merged definition are paths under overrides", () => {
    const resolved = resolveCreateBody({ template: "general-business", overrides: { transfer_targets: [] } });
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) {
      expect(resolved.problems.map((p) => p.path.join("."))).toEqual([
        "overrides.transfer_targets",
        // transfer_to_human's target enum names the targets the overrides removed.
        ...[0, 1, 2, 3].map((i) => `overrides.flow.global_functions.1.parameters.properties.target.enum.${i}`),
      ]);
    }
  });
});

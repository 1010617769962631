/**
 * The JSON-schema subset a flow function's parameters may use: what a tool
 * can rely on. Valid schemas pass; each mistake an owner makes is named at
 * its place inside the schema.
 */
import { describe, expect, test } from "bun:test";
import { checkToolParameters } from "../../machines/receptionist/json-schema.ts";
import { RECEPTIONIST_TOOLS } from "../../machines/receptionist/tools.ts";

const at = (schema: unknown) => checkToolParameters(schema).map((p) => `${p.path.join(".")}: ${p.message}`);

describe("valid parameters", () => {
  test("every receptionist tool's own parameters", () => {
    for (const tool of Object.values(RECEPTIONIST_TOOLS)) expect(checkToolParameters(tool.parameters)).toEqual([]);
  });

  test("no arguments, nested objects, arrays, enums, nullable types and bounds", () => {
    expect(checkToolParameters({ type: "object", properties: {} })).toEqual([]);
    expect(checkToolParameters({ type: "object" })).toEqual([]);
    expect(
      checkToolParameters({
        type: "object",
        description: "A party booking.",
        properties: {
          party: { type: "integer", minimum: 1, maximum: 12 },
          guests: { type: "array", minItems: 1, items: { type: "object", properties: { name: { type: "string", minLength: 1 } }, required: ["name"] } },
          seating: { type: "string", enum: ["inside", "terrace"] },
          note: { type: ["string", "null"], maxLength: 200 },
          vip: { type: "boolean", default: false },
          when: { type: "string", format: "date-time", pattern: "^\\d{4}-" },
        },
        required: ["party", "guests"],
        additionalProperties: false,
      }),
    ).toEqual([]);
  });
});

describe("invalid parameters", () => {
  test("not an object schema", () => {
    expect(at(null)).toEqual([': must be a JSON schema object: {"type": "object", "properties": {…}}']);
    expect(at([])).toHaveLength(1);
    expect(at({ type: "array", items: { type: "string" } })).toEqual([
      "items: is not allowed at the top of parameters (allowed: type, title, description, properties, required, additionalProperties)",
      'type: must be "object": a tool takes its arguments as one JSON object',
    ]);
  });

  test("properties and required of the wrong shape", () => {
    expect(at({ type: "object", properties: [] })).toEqual(["properties: must be an object mapping each argument name to its schema"]);
    expect(at({ type: "object", properties: { a: { type: "string" } }, required: "a" })).toEqual(["required: must be a list of property names"]);
    expect(at({ type: "object", properties: { a: { type: "string" } }, required: ["a", "a", "b"] })).toEqual([
      'required.1: names "a" twice',
      'required.2: "b" is not one of the properties (a)',
    ]);
    expect(at({ type: "object", additionalProperties: {} })).toEqual(["additionalProperties: must be true or false"]);
  });

  test("a property without a known type, or with a name a model cannot write", () => {
    expect(at({ type: "object", properties: { date: { description: "a day" } } })).toEqual([
      "properties.date.type: must be one of string, number, integer, boolean, array, object, null (or a list of them)",
    ]);
    expect(at({ type: "object", properties: { "my date": { type: "string" } } })).toEqual([
      "properties.my date: must be a name of letters, digits and _ (not starting with a digit, at most 64)",
    ]);
    expect(at({ type: "object", properties: { d: "string" } })).toEqual(['properties.d: must be a schema object such as {"type": "string", "description": "…"}']);
  });

  test("keywords that do not exist, or do not apply to the type", () => {
    expect(at({ type: "object", properties: { d: { type: "string", formt: "date" } } })[0]).toStartWith("properties.d.formt: is not a keyword tools understand");
    expect(at({ type: "object", properties: { n: { type: "number", pattern: "^1" } } })).toEqual([
      "properties.n.pattern: applies to string only, not to number",
    ]);
  });

  test("keyword values", () => {
    const schema = {
      type: "object",
      properties: {
        a: { type: "string", format: "dates" },
        b: { type: "string", pattern: "([" },
        c: { type: "integer", enum: [1, 2.5] },
        d: { type: "string", enum: [] },
        e: { type: "string", minLength: 5, maxLength: 2 },
        f: { type: "array" },
        g: { type: "number", minimum: "0" },
      },
    };
    const problems = at(schema);
    expect(problems).toContain("properties.a.format: must be one of date, time, date-time, duration, email, uri, uuid, hostname, ipv4, ipv6");
    expect(problems.find((p) => p.startsWith("properties.b.pattern: is not a valid regular expression"))).toBeDefined();
    expect(problems).toContain("properties.c.enum.1: 2.5 is not of type integer");
    expect(problems).toContain("properties.d.enum: must be a list of 1 to 100 values");
    expect(problems).toContain("properties.e.maxLength: must be at least minLength (5)");
    expect(problems).toContain("properties.f.items: is required for an array: the schema of its entries");
    expect(problems).toContain("properties.g.minimum: must be a number");
  });

  test("nesting is bounded", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 6; i++) schema = { type: "object", properties: { x: schema } };
    expect(at(schema)).toEqual(["properties.x.properties.x.properties.x.properties.x.properties.x: nests deeper than 5 levels"]);
  });
});

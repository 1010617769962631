/**
 * The JSON-schema subset a flow function's `parameters` may use: what the
 * OpenAI tool format accepts and a tool can rely on when it reads the model's
 * arguments. A flow is written by a business owner (or a template edited by
 * one), so a typo such as `"propertes"` or `"type": "text"` is caught here at
 * creation — the model would otherwise get a schema it cannot follow and the
 * tool arguments it cannot use. Small on purpose: no $ref, no anyOf, no
 * conditionals; every property has a type.
 */

export interface SchemaProblem {
  /** Inside the schema: ["properties", "date", "type"]. */
  path: (string | number)[];
  message: string;
}

export const JSON_TYPES = ["string", "number", "integer", "boolean", "array", "object", "null"] as const;
type JsonType = (typeof JSON_TYPES)[number];

/** Formats a tool can parse; anything else is most likely a typo. */
export const STRING_FORMATS = ["date", "time", "date-time", "duration", "email", "uri", "uuid", "hostname", "ipv4", "ipv6"] as const;

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_DEPTH = 5;
const MAX_PROPERTIES = 32;
const MAX_ENUM = 100;

/** Keywords, and the types each one applies to (null: any type). */
const KEYWORDS: Record<string, readonly JsonType[] | null> = {
  type: null,
  title: null,
  description: null,
  enum: null,
  const: null,
  default: null,
  examples: null,
  format: ["string"],
  pattern: ["string"],
  minLength: ["string"],
  maxLength: ["string"],
  minimum: ["number", "integer"],
  maximum: ["number", "integer"],
  exclusiveMinimum: ["number", "integer"],
  exclusiveMaximum: ["number", "integer"],
  items: ["array"],
  minItems: ["array"],
  maxItems: ["array"],
  properties: ["object"],
  required: ["object"],
  additionalProperties: ["object"],
};

/** The top of a tool's parameters: an object schema and nothing else. */
const TOP_KEYWORDS = new Set(["type", "title", "description", "properties", "required", "additionalProperties"]);

type Problems = SchemaProblem[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const listed = (values: readonly string[]) => values.join(", ");

/** Problems with a function's `parameters`; empty when it is a valid object schema of the subset. */
export function checkToolParameters(schema: unknown): SchemaProblem[] {
  const problems: Problems = [];
  if (!isPlainObject(schema)) {
    problems.push({ path: [], message: 'must be a JSON schema object: {"type": "object", "properties": {…}}' });
    return problems;
  }
  for (const key of Object.keys(schema)) {
    if (!TOP_KEYWORDS.has(key)) problems.push({ path: [key], message: `is not allowed at the top of parameters (allowed: ${listed([...TOP_KEYWORDS])})` });
  }
  if (schema.type !== "object") {
    problems.push({ path: ["type"], message: 'must be "object": a tool takes its arguments as one JSON object' });
    return problems;
  }
  checkObjectKeywords(schema, [], 1, problems);
  return problems;
}

function checkObjectKeywords(schema: Record<string, unknown>, path: (string | number)[], depth: number, problems: Problems): void {
  const { properties, required, additionalProperties } = schema;
  let names: string[] = [];
  if (properties !== undefined) {
    if (!isPlainObject(properties)) {
      problems.push({ path: [...path, "properties"], message: "must be an object mapping each argument name to its schema" });
    } else {
      names = Object.keys(properties);
      if (names.length > MAX_PROPERTIES) problems.push({ path: [...path, "properties"], message: `must have at most ${MAX_PROPERTIES} properties` });
      for (const name of names) {
        if (!PROPERTY_NAME.test(name)) {
          problems.push({ path: [...path, "properties", name], message: "must be a name of letters, digits and _ (not starting with a digit, at most 64)" });
        }
        checkPropertySchema(properties[name], [...path, "properties", name], depth + 1, problems);
      }
    }
  }
  if (required !== undefined) {
    if (!Array.isArray(required) || required.some((r) => typeof r !== "string")) {
      problems.push({ path: [...path, "required"], message: "must be a list of property names" });
    } else {
      const seen = new Set<string>();
      required.forEach((name: string, index) => {
        if (seen.has(name)) problems.push({ path: [...path, "required", index], message: `names "${name}" twice` });
        seen.add(name);
        if (!names.includes(name)) problems.push({ path: [...path, "required", index], message: `"${name}" is not one of the properties${names.length ? ` (${listed(names)})` : ""}` });
      });
    }
  }
  if (additionalProperties !== undefined && typeof additionalProperties !== "boolean") {
    problems.push({ path: [...path, "additionalProperties"], message: "must be true or false" });
  }
}

function typesOf(type: unknown): JsonType[] | null {
  const isType = (t: unknown): t is JsonType => typeof t === "string" && (JSON_TYPES as readonly string[]).includes(t);
  if (isType(type)) return [type];
  if (Array.isArray(type) && type.length > 0 && type.every(isType) && new Set(type).size === type.length) return type;
  return null;
}

function matchesType(value: unknown, types: readonly JsonType[]): boolean {
  return types.some((t) => {
    switch (t) {
      case "string":
        return typeof value === "string";
      case "number":
        return typeof value === "number" && Number.isFinite(value);
      case "integer":
        return Number.isInteger(value);
      case "boolean":
        return typeof value === "boolean";
      case "null":
        return value === null;
      case "array":
        return Array.isArray(value);
      case "object":
        return isPlainObject(value);
    }
  });
}

function checkPropertySchema(schema: unknown, path: (string | number)[], depth: number, problems: Problems): void {
  if (depth > MAX_DEPTH) {
    problems.push({ path, message: `nests deeper than ${MAX_DEPTH} levels` });
    return;
  }
  if (!isPlainObject(schema)) {
    problems.push({ path, message: 'must be a schema object such as {"type": "string", "description": "…"}' });
    return;
  }
  const types = typesOf(schema.type);
  if (types === null) {
    problems.push({ path: [...path, "type"], message: `must be one of ${listed(JSON_TYPES)} (or a list of them)` });
    return;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (!(key in KEYWORDS)) {
      problems.push({ path: [...path, key], message: `is not a keyword tools understand (allowed: ${listed(Object.keys(KEYWORDS))})` });
      continue;
    }
    const appliesTo = KEYWORDS[key];
    if (appliesTo && !types.some((t) => appliesTo.includes(t))) {
      problems.push({ path: [...path, key], message: `applies to ${listed(appliesTo)} only, not to ${listed(types)}` });
      continue;
    }
    checkKeyword(key, value, types, [...path, key], problems);
  }
  checkBounds(schema, path, "minLength", "maxLength", problems);
  checkBounds(schema, path, "minimum", "maximum", problems);
  checkBounds(schema, path, "minItems", "maxItems", problems);
  if (types.includes("array")) {
    if (schema.items === undefined) problems.push({ path: [...path, "items"], message: "is required for an array: the schema of its entries" });
    else checkPropertySchema(schema.items, [...path, "items"], depth + 1, problems);
  }
  if (types.includes("object")) checkObjectKeywords(schema, path, depth, problems);
}

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

function checkKeyword(key: string, value: unknown, types: readonly JsonType[], path: (string | number)[], problems: Problems): void {
  switch (key) {
    case "title":
    case "description":
      if (typeof value !== "string" || value.length > 1000) problems.push({ path, message: "must be a string of at most 1000 characters" });
      return;
    case "enum":
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ENUM) {
        problems.push({ path, message: `must be a list of 1 to ${MAX_ENUM} values` });
        return;
      }
      value.forEach((v, i) => {
        if (!matchesType(v, types)) problems.push({ path: [...path, i], message: `${JSON.stringify(v)} is not of type ${listed(types)}` });
      });
      if (new Set(value.map((v) => JSON.stringify(v))).size !== value.length) problems.push({ path, message: "must not repeat a value" });
      return;
    case "const":
      if (!matchesType(value, types)) problems.push({ path, message: `must be of type ${listed(types)}` });
      return;
    case "format":
      if (typeof value !== "string" || !(STRING_FORMATS as readonly string[]).includes(value)) {
        problems.push({ path, message: `must be one of ${listed(STRING_FORMATS)}` });
      }
      return;
    case "pattern":
      if (typeof value !== "string") {
        problems.push({ path, message: "must be a regular expression" });
        return;
      }
      try {
        new RegExp(value, "u");
      } catch (err) {
        problems.push({ path, message: `is not a valid regular expression (${err instanceof Error ? err.message : String(err)})` });
      }
      return;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      if (typeof value !== "number" || !Number.isFinite(value)) problems.push({ path, message: "must be a number" });
      return;
    case "minLength":
    case "maxLength":
    case "minItems":
    case "maxItems":
      if (!isCount(value)) problems.push({ path, message: "must be a whole number, 0 or more" });
      return;
    case "examples":
      if (!Array.isArray(value)) problems.push({ path, message: "must be a list" });
      return;
    // type, default, items, properties, required, additionalProperties: checked by the caller.
  }
}

function checkBounds(schema: Record<string, unknown>, path: (string | number)[], low: string, high: string, problems: Problems): void {
  const a = schema[low];
  const b = schema[high];
  if (typeof a === "number" && typeof b === "number" && a > b) problems.push({ path: [...path, high], message: `must be at least ${low} (${a})` });
}

/**
 * A tool's arguments checked with zod built from its JSON-schema parameters
 * (the subset machines/receptionist/json-schema.ts admits), so the schema the
 * model is offered and the check the tool applies cannot drift apart. What is
 * wrong comes back as one sentence for the model, naming each argument —
 * never a throw: the model fixes its call or asks the caller.
 *
 * Two leniencies, because models write them: an optional argument given as
 * null or "" counts as absent, and arguments the schema does not name are
 * dropped (a flow may add arguments of its own to a tool's function).
 */
import { z } from "zod";

type JsonSchema = Record<string, unknown>;

export type ParsedToolArguments<T> = { ok: true; value: T } | { ok: false; problem: string };

const described = (schema: JsonSchema) => (typeof schema.description === "string" ? ` (${schema.description.replace(/\.$/, "")})` : "");

function typeName(t: string): string {
  return t === "integer" ? "a whole number" : t === "object" ? "an object" : t === "array" ? "a list" : `a ${t}`;
}

function propertySchema(schema: JsonSchema): z.ZodType {
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
  const variants = types.map((t) => typedSchema(t, schema));
  let out: z.ZodType = variants.length === 1 ? variants[0]! : z.union(variants as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  if (Array.isArray(schema.enum)) {
    const allowed = schema.enum as unknown[];
    out = out.refine((v) => allowed.some((a) => a === v), { message: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}` });
  }
  if (schema.const !== undefined) {
    const only = schema.const;
    out = out.refine((v) => v === only, { message: `must be ${JSON.stringify(only)}` });
  }
  return out;
}

function typedSchema(type: string, schema: JsonSchema): z.ZodType {
  const wrongType = { error: (issue: { input?: unknown }) => (issue.input === undefined ? "is missing" : `must be ${typeName(type)}`) };
  switch (type) {
    case "string": {
      let s = z.string(wrongType);
      if (typeof schema.minLength === "number") s = s.min(schema.minLength, { message: `must be at least ${schema.minLength} characters` });
      if (typeof schema.maxLength === "number") s = s.max(schema.maxLength, { message: `must be at most ${schema.maxLength} characters` });
      if (typeof schema.pattern === "string") s = s.regex(new RegExp(schema.pattern, "u"), { message: `is not in the right form${described(schema)}` });
      return s;
    }
    case "number":
    case "integer": {
      let n = type === "integer" ? z.int(wrongType) : z.number(wrongType);
      if (typeof schema.minimum === "number") n = n.min(schema.minimum, { message: `must be at least ${schema.minimum}` });
      if (typeof schema.maximum === "number") n = n.max(schema.maximum, { message: `must be at most ${schema.maximum}` });
      if (typeof schema.exclusiveMinimum === "number") n = n.gt(schema.exclusiveMinimum, { message: `must be more than ${schema.exclusiveMinimum}` });
      if (typeof schema.exclusiveMaximum === "number") n = n.lt(schema.exclusiveMaximum, { message: `must be less than ${schema.exclusiveMaximum}` });
      return n;
    }
    case "boolean":
      return z.boolean(wrongType);
    case "null":
      return z.null(wrongType);
    case "array": {
      let a = z.array(propertySchema((schema.items ?? {}) as JsonSchema), wrongType);
      if (typeof schema.minItems === "number") a = a.min(schema.minItems, { message: `must have at least ${schema.minItems} entries` });
      if (typeof schema.maxItems === "number") a = a.max(schema.maxItems, { message: `must have at most ${schema.maxItems} entries` });
      return a;
    }
    case "object":
      return objectSchema(schema, wrongType);
    default:
      return z.unknown();
  }
}

const absent = (v: unknown) => v === null || v === "" || v === undefined;

function objectSchema(schema: JsonSchema, params?: { error: (issue: { input?: unknown }) => string }): z.ZodType {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const shape: Record<string, z.ZodType> = {};
  for (const [name, property] of Object.entries(properties)) {
    const inner = propertySchema(property);
    shape[name] = required.has(name)
      ? inner
      : z.preprocess((v) => (absent(v) && !(property.type === "null" || (Array.isArray(property.type) && property.type.includes("null"))) ? undefined : v), inner.optional());
  }
  // z.object strips names it does not know.
  return z.object(shape, params);
}

/** The zod schema for a tool's JSON-schema parameters (an object schema). */
export function zodFromParameters(parameters: Record<string, unknown>): z.ZodType<Record<string, unknown>> {
  return objectSchema(parameters, { error: () => "the arguments must be a JSON object" }) as z.ZodType<Record<string, unknown>>;
}

/** What is wrong with the arguments, one clause per argument: `"time" is not in the right form (…); "phone" is missing`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join(".");
    const clause = path ? `"${path}" ${issue.message}` : issue.message;
    if (seen.has(clause)) continue;
    seen.add(clause);
    parts.push(clause);
  }
  return parts.join("; ");
}

/** Parses a tool's raw arguments with the zod built from its parameters. */
export function parseWith<T>(schema: z.ZodType, raw: unknown): ParsedToolArguments<T> {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as T };
  return { ok: false, problem: describeIssues(parsed.error.issues) };
}

/**
 * What POST and PUT /v1/receptionists accept, resolved to one checked
 * definition or the list of its problems.
 *
 * A body is either a full definition, or `{"template": "<id>", "overrides":
 * {…}}`: the template's definition with the overrides merged in as a JSON
 * Merge Patch (RFC 7396 — objects merge key by key, a value replaces, an
 * array replaces the whole array, `null` removes the key). Either way the
 * result is parsed by ReceptionistDefinitionSchema, so the flow is compiled
 * and checked the same: every problem is one `{path, message}`, the path
 * into the body (`flow.nodes.booking.functions.0.next_node`, or
 * `overrides.…` for a template, where the fix belongs).
 *
 * Before any schema runs, every string and key of the body is checked to be
 * text PostgreSQL stores: a definition holds free JSON (function parameters)
 * that no field schema looks into.
 */
import type { z } from "zod";
import { templateById, TEMPLATES } from "../../machines/flows/index.ts";
import { ReceptionistDefinitionSchema, type ReceptionistDefinition } from "../../machines/receptionist/definition.ts";
import { storableString } from "../db/storable.ts";
import { isStorableText, STORABLE_TEXT_MESSAGE } from "./schemas/text.ts";

export type BodyPath = (string | number)[];

export interface BodyProblem {
  path: BodyPath;
  message: string;
}

export type ResolvedDefinition =
  | { ok: true; definition: ReceptionistDefinition; template: string | null }
  | { ok: false; problems: BodyProblem[] };

/** Problems listed at most (the 422 lists at most 50 details anyway). */
const MAX_PROBLEMS = 50;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A POST body: a template with overrides when it has a `template` key, else a full definition. */
export function resolveCreateBody(body: unknown): ResolvedDefinition {
  if (isObject(body) && Object.hasOwn(body, "template")) return resolveTemplateBody(body);
  return resolveDefinitionBody(body);
}

/** A PUT body: a full definition only (a replacement says everything). */
export function resolveDefinitionBody(body: unknown): ResolvedDefinition {
  const unstorable = unstorableText(body, []);
  if (unstorable.length > 0) return { ok: false, problems: unstorable };
  const parsed = ReceptionistDefinitionSchema.safeParse(body);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error, []) };
  return { ok: true, definition: parsed.data, template: null };
}

const TEMPLATE_KEYS = new Set(["template", "overrides"]);
const TEMPLATE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function resolveTemplateBody(body: Record<string, unknown>): ResolvedDefinition {
  const problems: BodyProblem[] = [...unstorableText(body, [])];
  for (const key of Object.keys(body)) {
    if (!TEMPLATE_KEYS.has(key)) problems.push({ path: [key], message: "unknown field (a body with a template takes template and overrides)" });
  }
  const { template: id, overrides } = body;
  const known = TEMPLATES.map((t) => t.id).join(", ");
  const template = typeof id === "string" && TEMPLATE_ID.test(id) ? templateById(id) : undefined;
  if (typeof id !== "string") problems.push({ path: ["template"], message: `must be a template id (${known})` });
  else if (!template) problems.push({ path: ["template"], message: `is not a template (templates: ${known})` });
  if (overrides !== undefined && !isObject(overrides)) {
    problems.push({ path: ["overrides"], message: "must be an object: the parts of the definition to change" });
  }
  if (problems.length > 0 || !template) return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };

  const merged = mergePatch(structuredClone(template.definition), overrides ?? {});
  const parsed = ReceptionistDefinitionSchema.safeParse(merged);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error, ["overrides"]) };
  return { ok: true, definition: parsed.data, template: template.id };
}

/**
 * RFC 7396: `patch` applied to `target`. Keys are written as own data
 * properties, so a `__proto__` key in the JSON stays a key (and is refused
 * by the strict schema as an unknown field) rather than changing a prototype.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = {};
  if (isObject(target)) for (const [key, value] of Object.entries(target)) define(out, key, value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else define(out, key, mergePatch(Object.hasOwn(out, key) ? out[key] : undefined, value));
  }
  return out;
}

function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** zod's issues as body problems under `prefix`: an unknown-keys issue becomes one problem per unknown field. */
function problemsOf(error: z.ZodError, prefix: BodyPath): BodyProblem[] {
  const problems: BodyProblem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    if (issue.code === "unrecognized_keys") for (const key of issue.keys) problems.push({ path: [...path, key], message: "unknown field" });
    else problems.push({ path, message: issue.message });
  }
  return problems.slice(0, MAX_PROBLEMS);
}

/** Every string and key that PostgreSQL could not store (NUL, a lone surrogate), with its path. */
function unstorableText(value: unknown, path: BodyPath, found: BodyProblem[] = []): BodyProblem[] {
  if (found.length >= MAX_PROBLEMS) return found;
  if (typeof value === "string") {
    if (!isStorableText(value)) found.push({ path, message: STORABLE_TEXT_MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unstorableText(item, [...path, i], found));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      // The name is shown with the offending characters replaced: the answer names it, it does not echo it.
      if (!isStorableText(key)) found.push({ path: [...path, storableString(key)], message: `the field name ${STORABLE_TEXT_MESSAGE}` });
      else unstorableText(item, [...path, key], found);
    }
  }
  return found;
}

/**
 * The receptionist templates shipped with Switchboard (GET /v1/templates):
 * each a complete definition with placeholder business data (fictional
 * 555-01xx numbers, dialled through the configured gateway) that the owner
 * replaces. Parsed and compiled when this module loads, so a broken template
 * fails at start and in the tests, never in front of a caller.
 */
import { ReceptionistDefinitionSchema, type ReceptionistDefinition } from "../receptionist/definition.ts";
import { compileCheckedFlow, type CompiledFlow } from "../receptionist/flow-compiler.ts";
import afterHours from "./after-hours.json";
import generalBusiness from "./general-business.json";
import medicalOffice from "./medical-office.json";

export interface ReceptionistTemplate {
  id: string;
  name: string;
  description: string;
  definition: ReceptionistDefinition;
}

function template(id: string, name: string, description: string, json: unknown): ReceptionistTemplate {
  const parsed = ReceptionistDefinitionSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(definition)"}: ${i.message}`).join("; ");
    throw new Error(`receptionist template "${id}" is not a valid definition: ${problems}`);
  }
  // Shared by every request that lists or copies it: nobody may change it in place.
  return Object.freeze({ id, name, description, definition: deepFreeze(parsed.data) });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export const TEMPLATES: readonly ReceptionistTemplate[] = [
  template(
    "medical-office",
    "Medical or dental office",
    "Books, reschedules and cancels appointments, takes prescription refill requests and messages, answers questions, and on an emergency always gives the emergency instruction, then transfers to the on-call dentist (or takes an urgent message).",
    medicalOffice,
  ),
  template(
    "general-business",
    "General business",
    "Answers questions from the FAQ and the business profile, routes callers to sales, support or billing by department, and takes a message when a department is closed or the caller prefers it.",
    generalBusiness,
  ),
  template(
    "after-hours",
    "After-hours answering",
    "Tells callers the office is closed and when it opens, takes messages with their urgency, and connects urgent calls to the on-call provider (with the emergency instruction), or takes an urgent message.",
    afterHours,
  ),
];

export function templateById(id: string): ReceptionistTemplate | undefined {
  return TEMPLATES.find((t) => t.id === id);
}

/** A template's flow, compiled (the templates are parsed at load, so this cannot fail). */
export function compiledTemplateFlow(id: string): CompiledFlow | undefined {
  const found = templateById(id);
  return found === undefined ? undefined : compileCheckedFlow(found.definition.flow);
}

/**
 * Request schemas for /v1/receptionists and /v1/templates.
 *
 * A receptionist body is resolved by receptionist-body.ts (a full definition,
 * or a template with overrides merged in; every string storable; the flow
 * compiled and checked) inside the schema, so Elysia's validation — and its
 * 422, one detail per problem at its path — is that resolution. The OpenAPI
 * document shows the two accepted shapes, built from the same zod schemas
 * (ReceptionistDefinitionShape, and the template request below).
 */
import { z } from "zod";
import { TEMPLATES } from "../../../machines/flows/index.ts";
import { ReceptionistDefinitionShape } from "../../../machines/receptionist/definition.ts";
import { resolveCreateBody, resolveDefinitionBody, type ResolvedDefinition } from "../receptionist-body.ts";
import { pageCursor, pageLimit, rowId } from "./rows.ts";

/** A schema's JSON schema (as the OpenAPI document renders request bodies), to describe a body validated by a transform. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

export const templateId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a template id such as medical-office");

/** The shape of a create-from-template request (documentation; receptionist-body.ts checks it, with the same rules). */
export const templateRequest = z.strictObject({
  template: z.enum(TEMPLATES.map((t) => t.id) as [string, ...string[]]),
  /** Merged into the template's definition as a JSON Merge Patch (RFC 7396): objects merge, arrays and values replace, null removes. */
  overrides: z.record(z.string(), z.unknown()).optional(),
});

function resolvedBody(resolve: (body: unknown) => ResolvedDefinition) {
  return z.unknown().transform((body, ctx) => {
    const resolved = resolve(body);
    if (resolved.ok) return resolved;
    for (const problem of resolved.problems) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
    return z.NEVER;
  });
}

/** POST /v1/receptionists: a full definition, or {"template": "<id>", "overrides": {…}}. */
export const createReceptionistBody = resolvedBody(resolveCreateBody).meta({
  description:
    'A full receptionist definition, or {"template": "<id>", "overrides": {…}}: a template (GET /v1/templates) with the overrides merged in (objects merge, arrays and values replace, null removes). Either way the result is checked as a definition; its flow is compiled.',
  anyOf: [jsonSchemaOf(templateRequest), jsonSchemaOf(ReceptionistDefinitionShape)],
});

/** PUT /v1/receptionists/:id: the full definition that replaces the current one (a new version). */
export const replaceReceptionistBody = resolvedBody(resolveDefinitionBody).meta({
  ...jsonSchemaOf(ReceptionistDefinitionShape),
  description: "The full definition; it becomes the receptionist's next version. Conversations already running keep the version they started with.",
});

export const receptionistIdParams = z.strictObject({ id: rowId });

export const listReceptionistsQuery = z.strictObject({
  /** At most 100 a page: each carries its whole definition. */
  limit: pageLimit(100),
  cursor: pageCursor.optional(),
});

/** A saved version number (PostgreSQL integer). */
export const versionNumber = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, "must be a version number: 1, 2, …")
  .transform(Number)
  .refine((n) => n <= 2_147_483_647, "is not a version number");

export const receptionistFlowQuery = z.strictObject({
  /** A saved version; default: the current one. */
  version: versionNumber.optional(),
});

export const templateIdParams = z.strictObject({ id: templateId });

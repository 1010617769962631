/**
 * Request schemas for /v1/calls, zod at the edge: the same schema validates the
 * request, types the handler and feeds the OpenAPI document.
 *
 * Every object is strict: a field the API does not know (a misspelling, or a
 * feature not built yet) is refused with 422 naming it, never silently ignored.
 * Every free-text string is built on `text()`: well-formed Unicode, no NUL.
 * Actions (live and scripted alike) are in actions.ts, shared fields in fields.ts.
 */
import { z } from "zod";
import { CALL_STATUSES } from "../../db/schema.ts";
import { callAction, firstAction, scriptStep } from "./actions.ts";
import { conversationSpec } from "./conversations.ts";
import { callerIdNumber, destination } from "./fields.ts";
import { resourceId, text } from "./text.ts";
import { webhookUrl } from "./webhook-url.ts";

export { destination } from "./fields.ts";
export { callAction, firstAction, scriptStep, type CallActionBody, type ScriptStepBody } from "./actions.ts";

export const createCallBody = z.strictObject({
  to: destination,
  from: callerIdNumber,
  from_name: text()
    .max(64)
    .refine((s) => !/[\r\n\0,{}'\\]/.test(s) && !s.includes("${"), "must not contain line breaks, commas, braces, quotes, backslashes or ${")
    .optional(),
  timeout_s: z.number().int().min(1).max(600).default(60),
  time_limit_s: z.number().int().min(1).max(86_400).optional(),
  first_action: firstAction.optional(),
  actions: z.array(scriptStep).min(1).max(32).optional(),
  /** An http(s) URL; private and loopback hosts only with WEBHOOK_ALLOW_PRIVATE (checked by the route). */
  status_callback: webhookUrl.optional(),
  dry_run: z.boolean().default(false),
  /** Run a conversation once answered (schemas/conversations.ts): the bot talks, instead of a script. */
  conversation: conversationSpec.optional(),
}).refine((b) => !(b.conversation && (b.first_action || b.actions)), {
  message: "a call runs a conversation or a script (first_action, actions), not both",
  path: ["conversation"],
});
export type CreateCallBody = z.infer<typeof createCallBody>;

/** POST /v1/calls/:id/actions: the same action objects a script holds. */
export const callActionBody = callAction;

export const listCallsQuery = z.strictObject({
  status: z.enum(CALL_STATUSES).optional(),
  direction: z.enum(["inbound", "outbound"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_=-]{1,512}$/, "must be the next_cursor of a previous page")
    .optional(),
});

export const callIdParams = z.strictObject({
  id: resourceId,
});

/**
 * Request schemas for /v1/calls, zod at the edge: the same schema validates the
 * request, types the handler and feeds the OpenAPI document.
 *
 * Every object is strict: a field the API does not know (a misspelling, or a
 * feature not built yet) is refused with 422 naming it, never silently ignored.
 * Every free-text string is built on `text()`: well-formed Unicode, no NUL.
 */
import { z } from "zod";
import { DIAL_TARGET_HELP, parseDialTarget } from "../../../machines/dial-target.ts";
import { CALL_STATUSES } from "../../db/schema.ts";
import { resourceId, text } from "./text.ts";
import { webhookUrl } from "./webhook-url.ts";

/** Text that reaches the switch inside an ESL command: no line breaks, ever. */
const singleLine = (max: number) =>
  text()
    .min(1)
    .max(max)
    .refine((s) => !/[\r\n\0]/.test(s), "must be a single line (no CR, LF or NUL)");

/**
 * A destination: a bare number dialled through the configured gateway, or
 * exactly one endpoint (sofia/gateway/<gw>/<number>, user/<ext>[@<domain>],
 * loopback/<ext>[/<context>], error/<cause>) — the grammar is machines/dial-target.ts.
 * Fail-over `|`, simultaneous `,`, `:_:`, `^` and `[var=val]` / `{var=val}` blocks
 * are refused: channel variables are set only by the runtime.
 */
export const destination = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => parseDialTarget(s) !== null, DIAL_TARGET_HELP);

const callerIdNumber = z
  .string()
  .regex(/^\+?[0-9A-Za-z*#_.-]{1,64}$/, "must be a caller id number: digits, optionally with a leading +");

const digits = z.string().regex(/^[0-9*#A-Da-dwW]{1,64}$/, "must be DTMF digits 0-9, *, #, A-D (w/W for pauses)");
const terminators = z.string().regex(/^[0-9*#]{0,4}$/, "must be up to 4 DTMF keys, e.g. #");
/**
 * FreeSWITCH expands `${…}` in what it plays (a variable, or an API call such as
 * ${system(…)}), and a backslash escapes on each expansion pass: neither has a
 * place in a media URL or path, so both are refused (src/esl/encode.ts refuses
 * them again at the wire).
 */
const notExpandable = (s: string) => !s.includes("${") && !s.includes("\\");
const mediaUrl = singleLine(2048).refine(notExpandable, "must not contain ${ or a backslash").refine(
  (s) => /^(https?:\/\/|\/|tone_stream:\/\/|silence_stream:\/\/|file_string:\/\/|ivr\/|voicemail\/|local_stream:\/\/)/.test(s) || /^[\w./-]+\.(wav|mp3|ogg|raw|gsm)$/.test(s),
  "must be an http(s) URL, an absolute path, or a FreeSWITCH sound (tone_stream://…, ivr/ivr-welcome.wav)",
);

export const sayAction = z.strictObject({
  type: z.literal("say"),
  text: singleLine(4000),
  voice: z.string().regex(/^[\w.-]{1,64}$/, "must be a voice name").optional(),
});
export const playAction = z.strictObject({
  type: z.literal("play"),
  url: mediaUrl,
  loop: z.number().int().min(1).max(100).optional(),
});
/** Collect DTMF (FreeSWITCH play_and_get_digits), with an optional spoken or played prompt. */
const gatherFields = {
  min_digits: z.number().int().min(1).max(128).default(1),
  max_digits: z.number().int().min(1).max(128).default(1),
  timeout_ms: z.number().int().min(500).max(120_000).default(5000),
  terminators: terminators.default("#"),
  say: singleLine(4000).optional(),
  play: mediaUrl.optional(),
};
type GatherFields = { min_digits: number; max_digits: number; say?: string; play?: string };
const gatherChecks = <T extends z.ZodType<GatherFields>>(schema: T) =>
  schema
    .refine((g) => g.max_digits >= g.min_digits, { message: "must be at least min_digits", path: ["max_digits"] })
    .refine((g) => !(g.say && g.play), { message: "give say or play, not both", path: ["play"] });

export const gatherAction = gatherChecks(z.strictObject({ type: z.literal("gather"), ...gatherFields }));

export const firstAction = z.discriminatedUnion("type", [sayAction, playAction, gatherAction]);

export const hangupStep = z.strictObject({
  type: z.literal("hangup"),
  reason: z.string().regex(/^[A-Z_]{1,64}$/, "must be a FreeSWITCH hangup cause like NORMAL_CLEARING").optional(),
});
/** A call script: steps run in order once the call is answered (after first_action). */
export const scriptStep = z.discriminatedUnion("type", [sayAction, playAction, gatherAction, hangupStep]);

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
});
export type CreateCallBody = z.infer<typeof createCallBody>;

export const callActionBody = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("say"), text: singleLine(4000), voice: sayAction.shape.voice }),
  z.strictObject({ action: z.literal("play"), url: mediaUrl, loop: playAction.shape.loop }),
  z.strictObject({ action: z.literal("send_dtmf"), digits }),
  gatherChecks(z.strictObject({ action: z.literal("gather"), ...gatherFields })),
  z.strictObject({
    action: z.literal("transfer"),
    extension: z.string().regex(/^[\w+*#.-]{1,64}$/, "must be a dialplan extension"),
    context: z.string().regex(/^[\w.-]{1,64}$/, "must be a dialplan context name").optional(),
  }),
  z.strictObject({ action: z.literal("bridge"), to: destination }),
  z.strictObject({ action: z.literal("hangup"), reason: z.string().regex(/^[A-Z_]{1,64}$/, "must be a FreeSWITCH hangup cause like NORMAL_CLEARING").optional() }),
  z.strictObject({ action: z.literal("answer") }),
]);
export type CallActionBody = z.infer<typeof callActionBody>;

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

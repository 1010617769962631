/**
 * Field schemas shared by the request bodies: destinations, media, DTMF,
 * hangup causes, text that reaches the switch. Each is a zod schema, so the
 * same definition validates, types the handler and appears in the OpenAPI
 * document. Every free-text string is built on `text()`.
 */
import { z } from "zod";
import { DIAL_TARGET_HELP, parseDialTarget } from "../../../machines/dial-target.ts";
import { text } from "./text.ts";

/** Text that reaches the switch inside an ESL command: no line breaks, ever. */
export const singleLine = (max: number) =>
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

export const callerIdNumber = z
  .string()
  .regex(/^\+?[0-9A-Za-z*#_.-]{1,64}$/, "must be a caller id number: digits, optionally with a leading +");

export const dtmfDigits = z.string().regex(/^[0-9*#A-Da-dwW]{1,64}$/, "must be DTMF digits 0-9, *, #, A-D (w/W for pauses)");
export const terminators = z.string().regex(/^[0-9*#]{0,4}$/, "must be up to 4 DTMF keys, e.g. #");

/**
 * FreeSWITCH expands `${…}` in what it plays (a variable, or an API call such as
 * ${system(…)}), and a backslash escapes on each expansion pass: neither has a
 * place in a media URL or path, so both are refused (src/esl/encode.ts refuses
 * them again at the wire).
 */
const notExpandable = (s: string) => !s.includes("${") && !s.includes("\\");
export const mediaUrl = singleLine(2048).refine(notExpandable, "must not contain ${ or a backslash").refine(
  (s) => /^(https?:\/\/|\/|tone_stream:\/\/|silence_stream:\/\/|file_string:\/\/|ivr\/|voicemail\/|local_stream:\/\/)/.test(s) || /^[\w./-]+\.(wav|mp3|ogg|raw|gsm)$/.test(s),
  "must be an http(s) URL, an absolute path, or a FreeSWITCH sound (tone_stream://…, ivr/ivr-welcome.wav)",
);

export const voiceName = z.string().regex(/^[\w.-]{1,64}$/, "must be a voice name");

export const hangupCauseName = z.string().regex(/^[A-Z_]{1,64}$/, "must be a FreeSWITCH hangup cause like NORMAL_CLEARING");

export const extension = z.string().regex(/^[\w+*#.-]{1,64}$/, "must be a dialplan extension");
export const dialplanContext = z.string().regex(/^[\w.-]{1,64}$/, "must be a dialplan context name");

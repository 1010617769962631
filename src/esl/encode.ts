/**
 * SwitchCommand → ESL wire instruction, and instruction → exact wire text.
 *
 * Every piece of caller-supplied text is checked or escaped here, so no input
 * can add an ESL line (a newline ends a command or header on the wire), break
 * out of an originate `{…}` variable block, or add an argument to an api command.
 * Refused input throws EslCommandError before anything is written.
 *
 * FreeSWITCH also *expands* what it is given: `${name}` reads a channel variable,
 * `${api(args)}` runs an API command (`${system(…)}` a shell command), `$${name}`
 * reads a global, and each pass unescapes backslash sequences (`\$`, `\'`, `\\`).
 * Application arguments are expanded in switch_core_session_execute_application_get_flags
 * and again in switch_core_session_exec, so escaping a `$` with one backslash is
 * undone by the first pass and expanded by the second. Hence: spoken text is
 * neutralised (see neutraliseExpansion), and every other argument, dial string
 * and channel variable that reaches the switch is refused if it holds `${` or
 * one of those escapes.
 */
import { isEndpointDialString } from "../../machines/dial-target.ts";
import { argumentLine, escapeLastArgument } from "./api-arguments.ts";
import { EslCommandError } from "./errors.ts";
import { isHangupCause } from "../../machines/switch/hangup-causes.ts";
import type { SwitchCommand } from "../../machines/switch/index.ts";

export type WireInstruction =
  | { via: "api" | "bgapi"; command: string; args: string }
  | { via: "sendmsg"; uuid: string; headers: Record<string, string>; body?: string };

/** An execute-app-arg longer than this goes in a text/plain body instead of a header line. */
export const MAX_HEADER_ARG = 1024;

const UUID_LIKE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const APP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const NO_SPACE_TOKEN = /^\S+$/;
const DTMF_DIGITS = /^[0-9A-Da-d*#wW]+$/;
const LINE_BREAK = /[\r\n]/;
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * `${` opens a variable or an API call when FreeSWITCH expands a string
 * (switch_event_expand_headers_check); `\$`, `\'` and `\\` are the escapes one
 * pass removes, which is how a second pass could be handed a fresh `${`.
 */
const EXPANSION = /\$\{|\\[$'\\]/;
/** `%[var=val]…` (or `%<delim>[…]`) at the start of an application argument sets channel variables (switch_core_session_exec). */
const SCOPED_VARIABLES = /^%[^[]?\[/;
/**
 * Channel variables FreeSWITCH acts on by running something (api_hangup_hook,
 * execute_on_answer, exec_after_bridge_app, bridge_pre_execute_aleg_app,
 * session_in_hangup_hook, api_on_answer, …): never set from the core.
 */
const RUNS_SOMETHING = /(^|_)(api|exec|execute|hook)(_|$)/i;
/** mod_audio_stream.h: MAX_WS_URI 4096 and MAX_METADATA_LEN 8192, each with its NUL. */
const MAX_STREAM_URL_BYTES = 4095;
const MAX_STREAM_METADATA_BYTES = 8191;

/**
 * Text for a TTS engine → text no expansion pass can act on, however many
 * there are. A backslash means nothing to a TTS engine and starts every escape,
 * so it becomes a space; then each `${` becomes `$ {`, which FreeSWITCH copies
 * as it is. Only `${` opens an expansion: "that costs $5" is spoken unchanged.
 */
export function neutraliseExpansion(text: string): string {
  return text.replace(/\\/g, " ").replace(/\$\{/g, "$ {");
}

/** A value the runtime did not neutralise: no `${` and no expansion escape, or it is refused. */
function expansionFree(value: string, what: string): string {
  if (EXPANSION.test(value)) refuse(what, value);
  return value;
}

function refuse(what: string, value: unknown): never {
  throw new EslCommandError(`refused unsafe or invalid ${what}: ${JSON.stringify(value)}`);
}

function uuid(value: string, what = "uuid"): string {
  if (!UUID_LIKE.test(value)) refuse(what, value);
  return value;
}

/** A single api/bgapi argument: no whitespace (it would become two arguments), no control characters. */
function token(value: string, what: string): string {
  if (!NO_SPACE_TOKEN.test(value) || CONTROL.test(value)) refuse(what, value);
  return expansionFree(value, what);
}

/** A value that goes on one header line. */
function lineValue(value: string, what: string): string {
  if (LINE_BREAK.test(value) || value.includes("\0")) refuse(what, value);
  return value;
}

/**
 * One field of a space-separated app argument (play_and_get_digits): a value
 * with spaces (a tts://engine|voice|text prompt) is wrapped in single quotes,
 * which switch_separate_string groups. Quotes and backslashes inside are
 * refused: how they are unescaped differs between FreeSWITCH versions.
 */
function quotedField(value: string, what: string): string {
  if (value === "" || CONTROL.test(value) || /['\\]/.test(value)) refuse(what, value);
  return NO_SPACE_TOKEN.test(value) ? value : `'${value}'`;
}

function nonNegativeInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) refuse(what, value);
  return value;
}

/**
 * A value inside originate's `{name=value,…}` block. FreeSWITCH splits the block
 * on commas (switch_event_create_brackets → switch_separate_string): a comma in a
 * value must be escaped "\,", and a value with spaces is wrapped in single
 * quotes; a quote is escaped with a backslash. Braces would end the block
 * early, control characters have no place in a channel variable, and `${` or an
 * expansion escape would be expanded later: all are refused.
 */
export function escapeChannelVariable(value: string): string {
  if (CONTROL.test(value) || /[{}]/.test(value)) refuse("channel variable value", value);
  expansionFree(value, "channel variable value");
  const escaped = value.replace(/[',]/g, (c) => "\\" + c);
  return /\s/.test(value) ? `'${escaped}'` : escaped;
}

function originateVariables(cmd: Extract<SwitchCommand, { type: "originate" }>): string {
  const vars: Array<[string, string]> = [["origination_uuid", uuid(cmd.uuid)]];
  if (cmd.callerIdNumber !== undefined) vars.push(["origination_caller_id_number", cmd.callerIdNumber]);
  if (cmd.callerIdName !== undefined) vars.push(["origination_caller_id_name", cmd.callerIdName]);
  if (cmd.timeoutSec !== undefined) vars.push(["originate_timeout", String(nonNegativeInt(cmd.timeoutSec, "timeoutSec"))]);
  for (const [name, value] of Object.entries(cmd.variables ?? {})) {
    if (!VAR_NAME.test(name)) refuse("channel variable name", name);
    vars.push([name, value]);
  }
  return "{" + vars.map(([n, v]) => `${n}=${escapeChannelVariable(v)}`).join(",") + "}";
}

function execute(uuidValue: string, applicationUuid: string, app: string, arg: string): WireInstruction {
  if (!APP_NAME.test(app)) refuse("application name", app);
  const headers: Record<string, string> = {
    "call-command": "execute",
    "execute-app-name": app,
  };
  let body: string | undefined;
  if (arg !== "") {
    if (arg.includes("\0") || SCOPED_VARIABLES.test(arg)) refuse("application argument", arg);
    expansionFree(arg, "application argument");
    // sendmsg: a long or multi-line argument goes in a text/plain body (content-length counts bytes).
    if (LINE_BREAK.test(arg) || Buffer.byteLength(arg) > MAX_HEADER_ARG) body = arg;
    else headers["execute-app-arg"] = arg;
  }
  // Event-UUID comes back as Application-UUID on CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE.
  headers["Event-UUID"] = uuid(applicationUuid, "applicationUuid");
  return body === undefined ? { via: "sendmsg", uuid: uuid(uuidValue), headers } : { via: "sendmsg", uuid: uuid(uuidValue), headers, body };
}

/** A dialplan-application execute as a sendmsg instruction (also used by EslInboundClient.execute). */
export function encodeExecute(uuidValue: string, app: string, arg: string, applicationUuid: string, opts: { eventLock?: boolean } = {}): WireInstruction {
  const instr = execute(uuidValue, applicationUuid, app, arg);
  // event-lock: the channel runs queued apps one at a time, in order.
  if (opts.eventLock && instr.via === "sendmsg") instr.headers["event-lock"] = "true";
  return instr;
}

export function encodeCommand(cmd: SwitchCommand): WireInstruction {
  switch (cmd.type) {
    case "originate": {
      const dial = dialString(cmd.dialString);
      const app = token(cmd.application ?? "&park()", "application");
      return { via: "bgapi", command: "originate", args: `${originateVariables(cmd)}${dial} ${app}` };
    }
    case "hangup": {
      if (!isHangupCause(cmd.cause)) refuse("hangup cause", cmd.cause);
      return { via: "api", command: "uuid_kill", args: `${uuid(cmd.uuid)} ${cmd.cause}` };
    }
    case "answer":
      return execute(cmd.uuid, cmd.applicationUuid, "answer", "");
    case "playback":
      return execute(cmd.uuid, cmd.applicationUuid, "playback", lineSafeArg(cmd.file, "file"));
    case "speak": {
      // mod_dptools speak: "engine|voice|text"; the text may hold anything, engine and voice may not hold "|".
      const engine = token(cmd.engine, "speak engine");
      const voice = token(cmd.voice, "speak voice");
      if (engine.includes("|") || voice.includes("|")) refuse("speak engine/voice", `${engine}|${voice}`);
      if (cmd.text.includes("\0")) refuse("speak text", cmd.text);
      return execute(cmd.uuid, cmd.applicationUuid, "speak", `${engine}|${voice}|${neutraliseExpansion(cmd.text)}`);
    }
    case "play_and_get_digits": {
      // mod_dptools play_and_get_digits argument order:
      // <min> <max> <tries> <timeout ms> <terminators> <file> <invalid_file> <var_name> <regexp> <digit_timeout ms>
      // The argument is split on spaces, so no field may contain one; an empty field cannot be written,
      // hence the defaults: no terminators = "none", no invalid file = a short silence, no regexp = digits.
      const args = [
        String(nonNegativeInt(cmd.minDigits, "minDigits")),
        String(nonNegativeInt(cmd.maxDigits, "maxDigits")),
        String(nonNegativeInt(cmd.tries, "tries")),
        String(nonNegativeInt(cmd.timeoutMs, "timeoutMs")),
        token(cmd.terminators === "" ? "none" : cmd.terminators, "terminators"),
        quotedField(spokenPrompt(cmd.file), "file"),
        quotedField(spokenPrompt(cmd.invalidFile === "" ? "silence_stream://250" : cmd.invalidFile), "invalidFile"),
        token(cmd.variableName, "variableName"),
        token(cmd.regexp === "" ? "[0-9*#]+" : cmd.regexp, "regexp"),
        String(nonNegativeInt(cmd.digitTimeoutMs, "digitTimeoutMs")),
      ];
      if (!VAR_NAME.test(cmd.variableName)) refuse("variableName", cmd.variableName);
      if (cmd.minDigits > cmd.maxDigits) refuse("minDigits > maxDigits", `${cmd.minDigits} > ${cmd.maxDigits}`);
      return execute(cmd.uuid, cmd.applicationUuid, "play_and_get_digits", args.join(" "));
    }
    case "bridge":
      return execute(cmd.uuid, cmd.applicationUuid, "bridge", dialString(cmd.dialString));
    case "park":
      return execute(cmd.uuid, cmd.applicationUuid, "park", "");
    case "uuid_bridge":
      return { via: "api", command: "uuid_bridge", args: `${uuid(cmd.uuid)} ${uuid(cmd.otherUuid, "otherUuid")}` };
    case "transfer": {
      // uuid_transfer <uuid> <extension> [<dialplan>] [<context>]: a context needs a dialplan before it.
      const parts = [uuid(cmd.uuid), token(cmd.extension, "extension")];
      if (cmd.dialplan !== undefined || cmd.context !== undefined) parts.push(token(cmd.dialplan ?? "XML", "dialplan"));
      if (cmd.context !== undefined) parts.push(token(cmd.context, "context"));
      return { via: "api", command: "uuid_transfer", args: parts.join(" ") };
    }
    case "send_dtmf": {
      if (!DTMF_DIGITS.test(cmd.digits)) refuse("DTMF digits", cmd.digits);
      const duration = cmd.durationMs !== undefined ? `@${nonNegativeInt(cmd.durationMs, "durationMs")}` : "";
      return { via: "api", command: "uuid_send_dtmf", args: `${uuid(cmd.uuid)} ${cmd.digits}${duration}` };
    }
    case "break":
      return { via: "api", command: "uuid_break", args: cmd.all ? `${uuid(cmd.uuid)} all` : uuid(cmd.uuid) };
    case "set_variable": {
      // uuid_setvar <uuid> <name> <value>: the value is the rest of the line, read by cleanup_separated_string.
      if (!VAR_NAME.test(cmd.name) || RUNS_SOMETHING.test(cmd.name)) refuse("channel variable name", cmd.name);
      const value = token(cmd.value, "channel variable value");
      if (/['"\\]/.test(value)) refuse("channel variable value", value);
      return { via: "api", command: "uuid_setvar", args: `${uuid(cmd.uuid)} ${cmd.name} ${value}` };
    }
    case "audio_stream":
      return audioStream(cmd);
    default: {
      const never: never = cmd;
      throw new EslCommandError(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

/**
 * mod_audio_stream (mod_audio_stream.c stream_function):
 *   uuid_audio_stream <uuid> start <ws-url> <mono|mixed|stereo> [8k|16k|<n·8000>] [metadata]
 *   uuid_audio_stream <uuid> stop
 * The URL must be one token the module accepts (validate_ws_uri: ws:// or wss://)
 * and can hold no `|`, quote or backslash, so it reads the same in either
 * argument form. The metadata is free text (JSON from the runtime): escaped for
 * cleanup_separated_string, sent in the `^^|` form when it has spaces, and
 * refused when it holds `${` or `$\` — nothing that an expansion pass could
 * turn into `${`.
 */
function audioStream(cmd: Extract<SwitchCommand, { type: "audio_stream" }>): WireInstruction {
  const id = uuid(cmd.uuid);
  if (cmd.action === "stop") return { via: "api", command: "uuid_audio_stream", args: `${id} stop` };
  const url = token(cmd.url, "audio stream URL");
  if (!/^wss?:\/\/[^\s'"\\|]+$/.test(url) || Buffer.byteLength(url) > MAX_STREAM_URL_BYTES) refuse("audio stream URL", url);
  const head = [id, "start", url, "mono", sampleRate(cmd.sampleRate)];
  if (cmd.metadata === undefined || cmd.metadata === "") return { via: "api", command: "uuid_audio_stream", args: argumentLine(head, undefined) };
  if (/\$[{\\]/.test(cmd.metadata)) refuse("audio stream metadata", cmd.metadata);
  if (Buffer.byteLength(cmd.metadata) > MAX_STREAM_METADATA_BYTES) refuse("audio stream metadata (too long)", cmd.metadata.slice(0, 64));
  return { via: "api", command: "uuid_audio_stream", args: argumentLine(head, escapeLastArgument(cmd.metadata, "audio stream metadata")) };
}

/** mod_audio_stream's rate argument: `8k`, `16k`, or a number of Hz that is a multiple of 8000. */
function sampleRate(hz: number): string {
  if (!Number.isInteger(hz) || hz <= 0 || hz % 8000 !== 0 || hz > 192_000) refuse("audio stream sample rate", hz);
  return hz === 8000 ? "8k" : hz === 16000 ? "16k" : String(hz);
}

/** A dial string is exactly one endpoint of the kinds machines/dial-target.ts accepts: no `|`, `,`, `:_:`, `[…]` or `{…}`. */
function dialString(value: string): string {
  if (!isEndpointDialString(value)) refuse("dialString", value);
  return value;
}

/** A `tts://engine|voice|text` prompt file: its text is spoken, so it is neutralised like speak text. */
function spokenPrompt(file: string): string {
  const m = /^tts:\/\/([^|]*)\|([^|]*)\|/.exec(file);
  return m ? m[0] + neutraliseExpansion(file.slice(m[0].length)) : file;
}

/** A file path or similar: it may be long (→ body), but a line break in a path is certainly not meant. */
function lineSafeArg(value: string, what: string): string {
  if (value === "") refuse(what, value);
  return lineValue(value, what);
}

/**
 * The exact bytes of an instruction. api: "api <cmd> <args>\n\n". bgapi adds our
 * Job-UUID header (FreeSWITCH honours a client-chosen Job-UUID). sendmsg:
 * "sendmsg <uuid>\n" + header lines + "\n" [+ body, announced by content-type /
 * content-length].
 */
export function wireText(instr: WireInstruction, opts: { jobUuid?: string } = {}): string {
  if (instr.via === "sendmsg") {
    let text = `sendmsg ${uuid(instr.uuid)}\n`;
    for (const [name, value] of Object.entries(instr.headers)) {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) refuse("header name", name);
      text += `${name}: ${lineValue(value, name)}\n`;
    }
    if (instr.body !== undefined) {
      text += `content-type: text/plain\ncontent-length: ${Buffer.byteLength(instr.body)}\n\n${instr.body}`;
      return text;
    }
    return text + "\n";
  }
  const command = instr.command;
  if (!/^[A-Za-z0-9_]+$/.test(command)) refuse("api command", command);
  const args = lineValue(instr.args, "api arguments");
  const line = args === "" ? `${instr.via} ${command}` : `${instr.via} ${command} ${args}`;
  if (instr.via === "bgapi" && opts.jobUuid !== undefined) return `${line}\nJob-UUID: ${uuid(opts.jobUuid, "jobUuid")}\n\n`;
  return `${line}\n\n`;
}

/**
 * Free text as the *last* argument of a FreeSWITCH api command, so that the
 * switch reads back exactly that text.
 *
 * uuid_audio_stream splits its line with switch_separate_string(cmd, ' ', argv, 6)
 * (mod_audio_stream.c stream_function); the last argument takes the rest of the
 * line, but every argument then goes through cleanup_separated_string
 * (signalwire/freeswitch src/switch_utils.c), which
 *   - drops leading spaces and trims trailing ones,
 *   - removes paired single quotes (`'…'` groups words),
 *   - reads `\` escapes: `\\ \' \" \<delim>` give the character, `\n \r \t \s`
 *     give newline, CR, tab and space.
 * The capture shows it: `{"q":"it's 'x'","p":"a\\b"}` arrived as
 * `{"q":"its x'","p":"a\b"}` (mod_audio_stream_esl.transcript.txt, /spaces/).
 * A JSON string's own `\"` would arrive as a bare `"` and break the JSON.
 *
 * So every `\` and `'` is escaped, newline/CR/tab become `\n \r \t` (an ESL
 * command is one line), edge spaces become `\s`; other control characters
 * (NUL ends a C string) are refused.
 */

const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Would go on the wire as U+FFFD: not the text the caller of this meant. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const OTHER_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

export class SwitchArgumentError extends Error {
  override name = "SwitchArgumentError";
}

export function escapeLastSwitchArgument(text: string): string {
  if (OTHER_CONTROL.test(text)) throw new SwitchArgumentError("argument holds a control character the switch cannot take");
  if (LONE_SURROGATE.test(text)) throw new SwitchArgumentError("argument is not well-formed Unicode (lone surrogate)");
  let escaped = text.replace(/[\\'\n\r\t]/g, (c) => ESCAPES[c]!);
  // Edge spaces are trimmed by cleanup_separated_string unless escaped.
  escaped = escaped.replace(/^ +/, (s) => "\\s".repeat(s.length)).replace(/ +$/, (s) => "\\s".repeat(s.length));
  return escaped;
}

/**
 * Free text as the last argument of an api command whose module splits its
 * line with switch_separate_string (mod_audio_stream's uuid_audio_stream:
 * `switch_separate_string(cmd, ' ', argv, 6)`), so the module reads back
 * exactly the text we meant.
 *
 * The last argument takes the rest of the line, but every argument then goes
 * through cleanup_separated_string (src/switch_utils.c), which drops leading
 * and trailing spaces, removes paired single quotes, and reads `\` escapes
 * (`\\ \' \" \<delim>` give the character, `\n \r \t \s` newline, CR, tab,
 * space). So `\` and `'` are escaped, newline/CR/tab become `\n \r \t` (an ESL
 * command is one line), edge spaces `\s`. A line that has spaces left in it
 * goes in the `^^|` form (a leading `^^<c>` makes <c> the delimiter; drachtio-fsmrf
 * calls uuid_audio_stream this way), so no space is read as a separator.
 */
import { EslCommandError } from "./errors.ts";

const ESCAPES: Record<string, string> = { "\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
/** Control characters no escape carries (NUL would end the C string). */
const OTHER_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/** A UTF-16 surrogate without its pair: it would reach the switch as U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The text escaped for cleanup_separated_string; throws on what no escape can carry. */
export function escapeLastArgument(text: string, what: string): string {
  if (OTHER_CONTROL.test(text) || LONE_SURROGATE.test(text)) {
    throw new EslCommandError(`refused unsafe or invalid ${what}: ${JSON.stringify(text)}`);
  }
  return text
    .replace(/[\\'\n\r\t]/g, (c) => ESCAPES[c]!)
    .replace(/^ +/, (s) => "\\s".repeat(s.length))
    .replace(/ +$/, (s) => "\\s".repeat(s.length));
}

/**
 * The api argument line: space-separated, or `^^|`-separated when the last
 * (escaped) argument holds a space. The other arguments must be single tokens
 * without `|` (checked by the caller).
 */
export function argumentLine(head: readonly string[], last: string | undefined): string {
  if (last === undefined) return head.join(" ");
  if (last.includes(" ")) return `^^|${[...head, last].join("|")}`;
  return [...head, last].join(" ");
}

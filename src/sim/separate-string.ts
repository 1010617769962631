/**
 * switch_separate_string (src/switch_utils.c, FreeSWITCH 1.10), character for
 * character: how api commands such as mod_audio_stream's `uuid_audio_stream`
 * split their argument line.
 *
 * - A leading `^^<c>` makes `<c>` the delimiter (`^^|uuid|start|…`).
 * - With the blank delimiter, runs of spaces separate fields; a `'` toggles
 *   quoting (the quotes are dropped) and `\` protects the next character.
 * - With any other delimiter, a `'` only quotes when another `'` follows.
 * - At most `max` fields: the last one keeps the rest of the line, spaces and
 *   delimiters included.
 * - Each field is then cleaned up (cleanup_separated_string): leading spaces
 *   go, trailing spaces go (unless quoted), paired quotes are removed, and
 *   `\'`, `\"`, `\\`, `\<delim>`, `\n`, `\r`, `\t`, `\s` are unescaped.
 */

const ESCAPE_META = "\\";

/** unescape_char: \n \r \t \s; anything else stays as it is. */
function unescapeChar(c: string): string {
  switch (c) {
    case "n":
      return "\n";
    case "r":
      return "\r";
    case "t":
      return "\t";
    case "s":
      return " ";
    default:
      return c;
  }
}

/** cleanup_separated_string: strip quotes, escapes and leading / trailing spaces. */
function cleanup(field: string, delim: string | undefined): string {
  let i = 0;
  while (field[i] === " ") i++;
  let dest = "";
  let end = -1; // length of dest worth keeping; -1 = nothing marked (keep all)
  let insideQuotes = false;
  for (; i < field.length; i++) {
    const c = field[i]!;
    let escaped = false;
    if (c === ESCAPE_META && i + 1 < field.length) {
      const next = field[i + 1]!;
      const un = unescapeChar(next);
      if (next === "'" || next === '"' || (delim !== undefined && next === delim) || next === ESCAPE_META || un !== next) {
        i++;
        dest += next === "'" || next === '"' || next === delim || next === ESCAPE_META ? next : un;
        end = dest.length;
        escaped = true;
      }
    }
    if (escaped) continue;
    if (c === "'" && (insideQuotes || field.indexOf("'", i + 1) >= 0)) {
      insideQuotes = !insideQuotes;
      if (insideQuotes) end = dest.length;
    } else {
      dest += c;
      if (c !== " " || insideQuotes) end = dest.length;
    }
  }
  return end >= 0 ? dest.slice(0, end) : dest;
}

/** Each field runs from its start to the first NUL the tokenizer wrote after it (or the end). */
function fieldsOf(buf: string, starts: number[], nuls: Set<number>): string[] {
  return starts.map((s) => {
    let e = s;
    while (e < buf.length && !nuls.has(e)) e++;
    return buf.slice(s, e);
  });
}

/** separate_string_blank_delim, literally. */
function splitBlank(buf: string, max: number): string[] {
  const starts: number[] = [];
  const nuls = new Set<number>();
  let state: "start" | "skipInitial" | "findDelim" | "skipEnding" = "start";
  let insideQuotes = false;
  let i = 0;
  while (i < buf.length && starts.length < max) {
    switch (state) {
      case "start":
        starts.push(i);
        state = "skipInitial";
        break;
      case "skipInitial":
        if (buf[i] === " ") i++;
        else state = "findDelim";
        break;
      case "findDelim": {
        const c = buf[i]!;
        if (c === ESCAPE_META) i++;
        else if (c === "'") insideQuotes = !insideQuotes;
        else if (c === " " && !insideQuotes) {
          nuls.add(i);
          state = "skipEnding";
        }
        i++;
        break;
      }
      case "skipEnding":
        if (buf[i] === " ") i++;
        else state = "start";
        break;
    }
  }
  return fieldsOf(buf, starts, nuls).map((f) => cleanup(f, undefined));
}

/** separate_string_char_delim, literally. */
function splitChar(buf: string, delim: string, max: number): string[] {
  const starts: number[] = [];
  const nuls = new Set<number>();
  let state: "start" | "findDelim" = "start";
  let insideQuotes = false;
  let i = 0;
  while (i < buf.length && starts.length < max) {
    if (state === "start") {
      starts.push(i);
      state = "findDelim";
      continue;
    }
    const c = buf[i]!;
    if (c === ESCAPE_META) i++;
    else if (c === "'" && (insideQuotes || buf.indexOf("'", i + 1) >= 0)) insideQuotes = !insideQuotes;
    else if (c === delim && !insideQuotes) {
      nuls.add(i);
      state = "start";
    }
    i++;
  }
  return fieldsOf(buf, starts, nuls).map((f) => cleanup(f, delim));
}

/**
 * switch_separate_string(buf, delim, argv, max): the fields, at most `max`.
 * An empty line has no fields.
 */
export function separateString(buf: string, delim: string, max: number): string[] {
  if (max <= 0 || buf === "") return [];
  let text = buf;
  let sep = delim;
  // "^^<c>…": <c> is the delimiter, when at least one character follows it.
  if (text.startsWith("^^") && text.length >= 4) {
    sep = text[2]!;
    text = text.slice(3);
  }
  return sep === " " ? splitBlank(text, max) : splitChar(text, sep, max);
}

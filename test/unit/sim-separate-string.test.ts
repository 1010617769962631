/** switch_separate_string (src/switch_utils.c) as the simulator ports it, on the argument lines of the mod_audio_stream capture. */
import { describe, expect, test } from "bun:test";
import { separateString } from "../../src/sim/separate-string.ts";

const U = "24c81a36-30f6-4bc0-b15b-668222e0050d";

describe("switch_separate_string", () => {
  test("space form: six fields at most, the last keeps the rest with its inner spaces; quotes paired are dropped, escapes read, trailing spaces trimmed (capture 2g)", () => {
    const line = `${U} start ws://127.0.0.1:34875/spaces/${U} mono 8k {"text":"hello world, with  spaces","q":"it's 'x'","p":"a\\\\b"}   `;
    expect(separateString(line, " ", 6)).toEqual([
      U,
      "start",
      `ws://127.0.0.1:34875/spaces/${U}`,
      "mono",
      "8k",
      '{"text":"hello world, with  spaces","q":"its x\'","p":"a\\b"}',
    ]);
  });

  test("^^| form: | separates, spaces stay (capture 2f)", () => {
    expect(separateString(`^^|${U}|start|ws://h:1/pipe|mono|8k|{"text":"hello world, with  spaces","n":1}`, " ", 6)).toEqual([
      U,
      "start",
      "ws://h:1/pipe",
      "mono",
      "8k",
      '{"text":"hello world, with  spaces","n":1}',
    ]);
    expect(separateString(`^^|${U}|send_text|text with spaces via the pipe form`, " ", 6)).toEqual([U, "send_text", "text with spaces via the pipe form"]);
    // An escaped delimiter is kept, unescaped.
    expect(separateString("^^|a\\|b|c", " ", 6)).toEqual(["a|b", "c"]);
  });

  test("runs of spaces separate once; send_text in the space form gets one word", () => {
    expect(separateString(`${U} send_text two  words   and more`, " ", 6)).toEqual([U, "send_text", "two", "words", "and", "more"]);
    expect(separateString("  a   b  ", " ", 6)).toEqual(["a", "b"]);
    expect(separateString("", " ", 6)).toEqual([]);
  });

  test("quotes group words; \\n \\t \\s unescape; a lone quote stays", () => {
    expect(separateString("a 'b c' d\\s\\te", " ", 6)).toEqual(["a", "b c", "d \te"]);
    expect(separateString("it's", " ", 6)).toEqual(["it's"]);
  });
});

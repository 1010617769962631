/**
 * The uuid_audio_stream command text, read back the way FreeSWITCH reads it.
 *
 * `switchSplit` below is this test's own port of switch_separate_string and
 * cleanup_separated_string (signalwire/freeswitch src/switch_utils.c), the
 * oracle: it is first checked against what the real module received in the
 * capture (../shared/esl-traces/freeswitch-1.10.12/mod_audio_stream_*), then
 * used to check that every metadata the builder sends arrives unchanged.
 */
import { describe, expect, test } from "bun:test";
import {
  audioStreamChannelVariables,
  audioStreamStart,
  audioStreamStartPlan,
  audioStreamStop,
  MAX_METADATA_BYTES,
  sampleRateArgument,
} from "../../src/media/audio-stream-command.ts";
import { escapeLastSwitchArgument, SwitchArgumentError } from "../../src/media/switch-argument.ts";

const ESCAPE = "\\";

function unescapeChar(c: string): string {
  return c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c === "s" ? " " : c;
}

/** cleanup_separated_string: leading spaces skipped, paired quotes removed, escapes read, trailing spaces trimmed. */
function cleanup(str: string, delim: string | null): string {
  let p = 0;
  while (str[p] === " ") p++;
  let dest = "";
  let end = -1;
  let inQuotes = false;
  for (; p < str.length; p++) {
    let escaped = false;
    if (str[p] === ESCAPE && p + 1 < str.length) {
      const e = str[p + 1]!;
      if (e === "'" || e === '"' || (delim !== null && e === delim) || e === ESCAPE || unescapeChar(e) !== e) {
        p++;
        dest += unescapeChar(e);
        end = dest.length;
        escaped = true;
      }
    }
    if (!escaped) {
      if (str[p] === "'" && (inQuotes || str.indexOf("'", p + 1) >= 0)) {
        inQuotes = !inQuotes;
        if (inQuotes) end = dest.length;
      } else {
        dest += str[p];
        if (str[p] !== " " || inQuotes) end = dest.length;
      }
    }
  }
  return end < 0 ? dest : dest.slice(0, end);
}

/** switch_separate_string(buf, ' ', argv, max), `^^<delim>` prefix included. */
function switchSplit(line: string, max: number): string[] {
  let buf = line;
  let delim = " ";
  if (buf.startsWith("^^") && buf.length > 3) {
    delim = buf[2]!;
    buf = buf.slice(3);
  }
  const spans: Array<[number, number]> = [];
  let ptr = 0;
  let inQuotes = false;
  if (delim === " ") {
    let state: "start" | "skipInitial" | "find" | "skipEnding" = "start";
    while (ptr < buf.length && spans.length < max) {
      if (state === "start") {
        spans.push([ptr, buf.length]);
        state = "skipInitial";
      } else if (state === "skipInitial") {
        if (buf[ptr] === " ") ptr++;
        else state = "find";
      } else if (state === "find") {
        if (buf[ptr] === ESCAPE) ptr++;
        else if (buf[ptr] === "'") inQuotes = !inQuotes;
        else if (buf[ptr] === " " && !inQuotes) {
          spans[spans.length - 1]![1] = ptr;
          state = "skipEnding";
        }
        ptr++;
      } else {
        if (buf[ptr] === " ") ptr++;
        else state = "start";
      }
    }
  } else {
    let started = false;
    while (ptr < buf.length && spans.length < max) {
      if (!started) {
        spans.push([ptr, buf.length]);
        started = true;
        continue;
      }
      if (buf[ptr] === ESCAPE) ptr++;
      else if (buf[ptr] === "'" && (inQuotes || buf.indexOf("'", ptr + 1) >= 0)) inQuotes = !inQuotes;
      else if (buf[ptr] === delim && !inQuotes) {
        spans[spans.length - 1]![1] = ptr;
        started = false;
      }
      ptr++;
    }
  }
  return spans.map(([a, b]) => cleanup(buf.slice(a, Math.min(b, buf.length)), delim === " " ? null : delim));
}

/** What mod_audio_stream's stream_function reads: switch_strip_whitespace, then 6 arguments. */
function moduleReads(args: string): string[] {
  return switchSplit(args.trim(), 6);
}

const UUID = "24c81a36-30f6-4bc0-b15b-668222e0050d";
const URL = `ws://127.0.0.1:34875/audio/${UUID}?token=Ab_-09xyzAb_-09xyzAb_-09xyzAb_-`;

describe("the oracle reads what the real module read (capture)", () => {
  test("space form: inner spaces kept, paired quotes dropped, escapes read, trailing spaces trimmed", () => {
    // mod_audio_stream_esl.transcript.txt line 1750 → ws transcript /spaces/ metadata frame.
    const sent = `${UUID} start ws://127.0.0.1:34875/spaces/${UUID} mono 8k {"text":"hello world, with  spaces","q":"it's 'x'","p":"a\\\\b"}   `;
    const argv = moduleReads(sent);
    expect(argv[5]).toBe(`{"text":"hello world, with  spaces","q":"its x'","p":"a\\b"}`);
  });

  test("^^| form delivers spaces intact", () => {
    const sent = `^^|${UUID}|start|ws://127.0.0.1:34875/pipe/${UUID}|mono|8k|{"text":"hello world, with  spaces","n":1}`;
    expect(moduleReads(sent)).toEqual([UUID, "start", `ws://127.0.0.1:34875/pipe/${UUID}`, "mono", "8k", `{"text":"hello world, with  spaces","n":1}`]);
  });

  test("space form send_text keeps only the first word (argv[2] is not the last of 6)", () => {
    expect(moduleReads(`${UUID} send_text two  words   and more`)[2]).toBe("two");
  });
});

describe("audioStreamStart", () => {
  test("plain JSON metadata without spaces: the space form, read back unchanged", () => {
    const metadata = JSON.stringify({ call_id: UUID, rate: 16000 });
    const call = audioStreamStart({ uuid: UUID, url: URL, sampleRate: 16000, metadata });
    expect(call.command).toBe("uuid_audio_stream");
    expect(call.args).toBe(`${UUID} start ${URL} mono 16k ${metadata}`);
    expect(moduleReads(call.args)).toEqual([UUID, "start", URL, "mono", "16k", metadata]);
  });

  test("metadata with spaces uses the ^^| form and arrives intact", () => {
    const metadata = JSON.stringify({ text: "hello world, with  spaces", n: 1 });
    const call = audioStreamStart({ uuid: UUID, url: URL, sampleRate: 16000, metadata });
    expect(call.args.startsWith(`^^|${UUID}|start|${URL}|mono|16k|`)).toBe(true);
    expect(moduleReads(call.args)[5]).toBe(metadata);
  });

  test("quotes, backslashes, JSON escapes, pipes, edge spaces, newlines and tabs survive cleanup", () => {
    const hard = [
      JSON.stringify({ q: "it's 'x'", p: "a\\b", say: 'he said "hi"', nl: "a\nb" }),
      `  leading and trailing  `,
      `pipe|in|text`,
      `tab\there`,
      `multi\nline\r\ntext`,
      `\\s is not a space, \\n is not a newline`,
      `'`,
      `''`,
      ` `,
      `üñíçødé — 電話`,
      `{"emoji":"📞"}`,
    ];
    for (const metadata of hard) {
      const call = audioStreamStart({ uuid: UUID, url: URL, sampleRate: 8000, metadata });
      expect(call.args).not.toMatch(/[\r\n]/); // one ESL line
      const argv = moduleReads(call.args);
      expect(argv.slice(0, 5)).toEqual([UUID, "start", URL, "mono", "8k"]);
      expect(argv[5]).toBe(metadata);
    }
  });

  test("no metadata: five arguments", () => {
    const call = audioStreamStart({ uuid: UUID, url: URL, sampleRate: 16000 });
    expect(call.args).toBe(`${UUID} start ${URL} mono 16k`);
    expect(moduleReads(call.args)).toHaveLength(5);
  });

  test("refuses what the switch could not read back", () => {
    expect(() => audioStreamStart({ uuid: "a b", url: URL, sampleRate: 16000 })).toThrow(SwitchArgumentError);
    expect(() => audioStreamStart({ uuid: UUID, url: "ws://[::1]:8080/x", sampleRate: 16000 })).toThrow(SwitchArgumentError);
    expect(() => audioStreamStart({ uuid: UUID, url: "http://127.0.0.1/x", sampleRate: 16000 })).toThrow(SwitchArgumentError);
    expect(() => audioStreamStart({ uuid: UUID, url: "ws://127.0.0.1:1/a b", sampleRate: 16000 })).toThrow(SwitchArgumentError);
    expect(() => audioStreamStart({ uuid: UUID, url: URL, sampleRate: 11025 })).toThrow(SwitchArgumentError);
    expect(() => audioStreamStart({ uuid: UUID, url: URL, sampleRate: 16000, metadata: "nul\0here" })).toThrow(SwitchArgumentError);
    expect(() => audioStreamStart({ uuid: UUID, url: URL, sampleRate: 16000, metadata: "lone \uD800" })).toThrow(SwitchArgumentError);
    expect(() => audioStreamStart({ uuid: UUID, url: URL, sampleRate: 16000, metadata: "x".repeat(MAX_METADATA_BYTES + 1) })).toThrow(
      SwitchArgumentError,
    );
    expect(() => audioStreamStart({ uuid: UUID, url: URL, sampleRate: 16000, metadata: "x".repeat(MAX_METADATA_BYTES) })).not.toThrow();
  });

  test("rate argument: 8k, 16k, other multiples of 8000 as numbers", () => {
    expect(sampleRateArgument(8000)).toBe("8k");
    expect(sampleRateArgument(16000)).toBe("16k");
    expect(sampleRateArgument(24000)).toBe("24000");
    expect(() => sampleRateArgument(0)).toThrow();
  });
});

describe("channel variables and stop", () => {
  test("both uninitialised C locals are always set; deflate off", () => {
    expect(audioStreamChannelVariables()).toEqual({ STREAM_HEART_BEAT: "10", STREAM_MESSAGE_DEFLATE: "true" });
    expect(audioStreamChannelVariables({ heartBeatSec: 5 }).STREAM_HEART_BEAT).toBe("5");
    expect(() => audioStreamChannelVariables({ heartBeatSec: 0 })).toThrow();
    expect(() => audioStreamChannelVariables({ heartBeatSec: 1.5 })).toThrow();
  });

  test("the plan: variables first, then the api call", () => {
    const plan = audioStreamStartPlan({ uuid: UUID, url: URL, sampleRate: 16000, metadata: "{}", heartBeatSec: 15 });
    expect(plan.variables).toEqual({ STREAM_HEART_BEAT: "15", STREAM_MESSAGE_DEFLATE: "true" });
    expect(plan.api.args).toBe(`${UUID} start ${URL} mono 16k {}`);
  });

  test("stop sends no closing text", () => {
    expect(audioStreamStop(UUID)).toEqual({ command: "uuid_audio_stream", args: `${UUID} stop` });
    expect(() => audioStreamStop("x|y")).toThrow(SwitchArgumentError);
  });

  test("escapeLastSwitchArgument alone", () => {
    expect(escapeLastSwitchArgument(`a'b\\c`)).toBe(`a\\'b\\\\c`);
    expect(escapeLastSwitchArgument(" x ")).toBe("\\sx\\s");
  });
});

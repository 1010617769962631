/**
 * FreeSWITCH expands `${…}` in application arguments (twice: switch_core_session_execute_application_get_flags
 * and switch_core_session_exec), and `${system(…)}` runs a shell command on the switch host.
 * Every place user-, caller- or model-derived text enters an ESL command is checked here, as
 * the exact bytes written; and the dial-string grammar that keeps `|`, `,`, `:_:`, `^` and
 * `[var=val]` out of originate and bridge.
 */
import { describe, expect, test } from "bun:test";
import { dialStringFor, parseDialTarget } from "../../machines/dial-target.ts";
import { encodeCommand, EslCommandError, wireText, type SwitchCommand } from "../../src/esl/index.ts";
import { neutraliseExpansion } from "../../src/esl/encode.ts";

const CALL = "7f3c1a52-3f0e-4b8e-9d1c-0a1b2c3d4e5f";
const APP = "0b0b0b0b-1111-2222-3333-444444444444";
const wire = (cmd: SwitchCommand) => wireText(encodeCommand(cmd));

/** One FreeSWITCH expansion pass, as switch_event_expand_headers_check does it, enough to see what survives. */
function expandOnce(s: string): string {
  if (!s.includes("${") && !/\\[\\nst']/.test(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && s[i + 1] === "$") {
      out += "$";
      i += s[i + 2] === "$" ? 2 : 1;
      continue;
    }
    if (c === "\\" && s[i + 1] === "'") {
      i += 1;
      continue;
    }
    if (c === "\\" && s[i + 1] === "\\") {
      out += "\\";
      i += 1;
      continue;
    }
    if (c === "$" && s[i + 1] === "{") {
      const end = s.indexOf("}", i);
      out += "<EXPANDED>";
      i = end === -1 ? s.length : end;
      continue;
    }
    out += c;
  }
  return out;
}

describe("spoken text: ${…} is neutralised, money is still spoken", () => {
  const speak = (text: string) => wire({ type: "speak", uuid: CALL, engine: "flite", voice: "kal", text, applicationUuid: APP });

  test("say text with ${system(…)} reaches the switch with no ${ in it", () => {
    const bytes = speak("Hello ${system(touch /tmp/x)}");
    expect(bytes).toContain("execute-app-arg: flite|kal|Hello $ {system(touch /tmp/x)}\n");
    expect(bytes).not.toContain("${");
  });

  test("$${global}, \\${escaped} and \\'-tricks survive two expansion passes unexpanded", () => {
    for (const text of ["$${hostname}", "\\${system(id)}", "$\\'{system(id)}", "\\\\${x}", "${${api(x)}}", "$\\{x}"]) {
      const arg = /execute-app-arg: flite\|kal\|(.*)\n/.exec(speak(text))![1]!;
      expect(expandOnce(expandOnce(arg))).not.toContain("<EXPANDED>");
      expect(arg).not.toContain("${");
    }
  });

  test("text about money is spoken unchanged", () => {
    expect(speak("That costs $5, or $ 10 with tax.")).toContain("execute-app-arg: flite|kal|That costs $5, or $ 10 with tax.\n");
    expect(neutraliseExpansion("$5 and $$6")).toBe("$5 and $$6");
  });

  test("a gather's tts:// prompt is neutralised the same way", () => {
    const bytes = wire({
      type: "play_and_get_digits",
      uuid: CALL,
      applicationUuid: APP,
      minDigits: 1,
      maxDigits: 1,
      tries: 1,
      timeoutMs: 1000,
      terminators: "#",
      file: "tts://flite|kal|Press ${system(id)} now",
      invalidFile: "",
      variableName: "d",
      regexp: "",
      digitTimeoutMs: 1000,
    });
    expect(bytes).toContain("'tts://flite|kal|Press $ {system(id)} now'");
    expect(bytes).not.toContain("${");
  });
});

describe("arguments that are not spoken: ${ or a backslash is refused", () => {
  const refused: Array<[string, SwitchCommand]> = [
    ["a playback file with ${…}", { type: "playback", uuid: CALL, file: "/tmp/${system(id)}.wav", applicationUuid: APP }],
    ["a playback file with a backslash", { type: "playback", uuid: CALL, file: "/tmp/\\$x.wav", applicationUuid: APP }],
    ["a playback file setting scoped variables", { type: "playback", uuid: CALL, file: "%[api_hangup_hook=system::id]/tmp/a.wav", applicationUuid: APP }],
    ["a caller id name with ${…}", { type: "originate", uuid: CALL, dialString: "user/1000", callerIdName: "${system(id)}" }],
    ["a caller id number with ${…}", { type: "originate", uuid: CALL, dialString: "user/1000", callerIdNumber: "${x}" }],
    ["a transfer extension with ${…}", { type: "transfer", uuid: CALL, extension: "${system(id)}" }],
    ["a speak voice with ${…}", { type: "speak", uuid: CALL, engine: "flite", voice: "${x}", text: "hi", applicationUuid: APP }],
  ];
  for (const [what, cmd] of refused) {
    test(what, () => expect(() => encodeCommand(cmd)).toThrow(EslCommandError));
  }
});

describe("dial strings: exactly one endpoint, no variables, no fail-over", () => {
  const injected = [
    "error/user_busy|[api_hangup_hook=system::touch$IFS/tmp/x]loopback/3000/default",
    "[origination_caller_id_number=666]user/1000",
    "{origination_caller_id_number=666}user/1000",
    "<origination_caller_id_number=666>user/1000",
    "user/1000,user/1001",
    "user/1000:_:user/1001",
    "user/1000^user/1001",
    "sofia/gateway/carrier/1555${system(id)}",
    "sofia/internal/1000@127.0.0.1",
    "sofia/gateway/carrier/1555|user/1",
    "loopback/1000/default/extra",
    "error/not_a_cause",
    "user/10 00",
    "verto.rtc/1000",
    "+1555123\n0000",
  ];
  for (const dial of injected) {
    test(`refused: ${JSON.stringify(dial)}`, () => {
      expect(parseDialTarget(dial)).toBeNull();
      expect(() => encodeCommand({ type: "originate", uuid: CALL, dialString: dial })).toThrow(EslCommandError);
      expect(() => encodeCommand({ type: "bridge", uuid: CALL, dialString: dial, applicationUuid: APP })).toThrow(EslCommandError);
    });
  }

  test("the documented kinds are accepted and dialled as written", () => {
    expect(parseDialTarget("+15551230000")).toEqual({ kind: "number", number: "+15551230000" });
    expect(parseDialTarget("sofia/gateway/carrier/15551230000")).toEqual({ kind: "gateway", gateway: "carrier", number: "15551230000" });
    expect(parseDialTarget("user/1000")).toEqual({ kind: "user", extension: "1000" });
    expect(parseDialTarget("user/1000@example.com")).toEqual({ kind: "user", extension: "1000", domain: "example.com" });
    expect(parseDialTarget("loopback/1000/default")).toEqual({ kind: "loopback", extension: "1000", context: "default" });
    expect(parseDialTarget("loopback/9664")).toEqual({ kind: "loopback", extension: "9664" });
    expect(parseDialTarget("error/user_busy")).toEqual({ kind: "error", cause: "user_busy" });
    expect(dialStringFor(parseDialTarget("+15551230000")!, "carrier")).toBe("sofia/gateway/carrier/+15551230000");
    expect(dialStringFor(parseDialTarget("+15551230000")!, undefined)).toBeNull();
    for (const dial of ["sofia/gateway/carrier/15551230000", "user/1000@example.com", "loopback/1000/default", "error/user_busy"]) {
      expect(wire({ type: "originate", uuid: CALL, dialString: dial })).toContain(`}${dial} &park()`);
    }
  });
});

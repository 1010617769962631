/**
 * SwitchCommand → exact ESL wire text, and refusal of input that could inject
 * ESL lines or break out of FreeSWITCH argument syntax.
 */
import { describe, expect, test } from "bun:test";
import { encodeCommand, EslCommandError, escapeChannelVariable, wireText, type SwitchCommand } from "../../src/esl/index.ts";

const CALL = "7f3c1a52-3f0e-4b8e-9d1c-0a1b2c3d4e5f";
const APP = "0b0b0b0b-1111-2222-3333-444444444444";
const JOB = "11111111-2222-3333-4444-555555555555";

function wire(cmd: SwitchCommand, jobUuid?: string): string {
  return wireText(encodeCommand(cmd), { jobUuid });
}

describe("api / bgapi commands", () => {
  test("originate: bgapi with origination_uuid, caller id, timeout and &park()", () => {
    const text = wire(
      {
        type: "originate",
        uuid: CALL,
        dialString: "sofia/gateway/carrier/15551234567",
        callerIdNumber: "15550001111",
        callerIdName: "Acme Support",
        timeoutSec: 30,
        variables: { ignore_early_media: "true", sip_h_X_Tag: "a,b" },
      },
      JOB,
    );
    expect(text).toBe(
      "bgapi originate {origination_uuid=" +
        CALL +
        ",origination_caller_id_number=15550001111,origination_caller_id_name='Acme Support',originate_timeout=30," +
        "ignore_early_media=true,sip_h_X_Tag=a\\,b}sofia/gateway/carrier/15551234567 &park()\n" +
        `Job-UUID: ${JOB}\n\n`,
    );
  });

  test("originate with a custom application", () => {
    expect(encodeCommand({ type: "originate", uuid: CALL, dialString: "user/1000", application: "&playback(/tmp/hello.wav)" })).toEqual({
      via: "bgapi",
      command: "originate",
      args: `{origination_uuid=${CALL}}user/1000 &playback(/tmp/hello.wav)`,
    });
  });

  test("hangup → api uuid_kill <uuid> <CAUSE>", () => {
    expect(wire({ type: "hangup", uuid: CALL, cause: "NORMAL_CLEARING" })).toBe(`api uuid_kill ${CALL} NORMAL_CLEARING\n\n`);
  });

  test("uuid_bridge, transfer, send_dtmf, break → api", () => {
    const other = "9bc34cb7-1d0a-4c89-8d47-9dc25faa160f";
    expect(wire({ type: "uuid_bridge", uuid: CALL, otherUuid: other })).toBe(`api uuid_bridge ${CALL} ${other}\n\n`);
    expect(wire({ type: "transfer", uuid: CALL, extension: "1000" })).toBe(`api uuid_transfer ${CALL} 1000\n\n`);
    expect(wire({ type: "transfer", uuid: CALL, extension: "1000", context: "default" })).toBe(`api uuid_transfer ${CALL} 1000 XML default\n\n`);
    expect(wire({ type: "send_dtmf", uuid: CALL, digits: "12#" })).toBe(`api uuid_send_dtmf ${CALL} 12#\n\n`);
    expect(wire({ type: "send_dtmf", uuid: CALL, digits: "5", durationMs: 250 })).toBe(`api uuid_send_dtmf ${CALL} 5@250\n\n`);
    expect(wire({ type: "break", uuid: CALL })).toBe(`api uuid_break ${CALL}\n\n`);
    expect(wire({ type: "break", uuid: CALL, all: true })).toBe(`api uuid_break ${CALL} all\n\n`);
  });
});

describe("sendmsg executes", () => {
  test("answer / park: no execute-app-arg", () => {
    expect(wire({ type: "answer", uuid: CALL, applicationUuid: APP })).toBe(
      `sendmsg ${CALL}\ncall-command: execute\nexecute-app-name: answer\nEvent-UUID: ${APP}\n\n`,
    );
    expect(wire({ type: "park", uuid: CALL, applicationUuid: APP })).toBe(
      `sendmsg ${CALL}\ncall-command: execute\nexecute-app-name: park\nEvent-UUID: ${APP}\n\n`,
    );
  });

  test("playback", () => {
    expect(wire({ type: "playback", uuid: CALL, file: "ivr/8000/ivr-welcome.wav", applicationUuid: APP })).toBe(
      `sendmsg ${CALL}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: ivr/8000/ivr-welcome.wav\nEvent-UUID: ${APP}\n\n`,
    );
  });

  test("speak: engine|voice|text", () => {
    expect(encodeCommand({ type: "speak", uuid: CALL, engine: "flite", voice: "kal", text: "Hello, caller", applicationUuid: APP })).toEqual({
      via: "sendmsg",
      uuid: CALL,
      headers: { "call-command": "execute", "execute-app-name": "speak", "execute-app-arg": "flite|kal|Hello, caller", "Event-UUID": APP },
    });
  });

  test("play_and_get_digits: FreeSWITCH argument order", () => {
    const instr = encodeCommand({
      type: "play_and_get_digits",
      uuid: CALL,
      applicationUuid: APP,
      minDigits: 1,
      maxDigits: 4,
      tries: 3,
      timeoutMs: 5000,
      terminators: "#",
      file: "ivr/ivr-enter_ext.wav",
      invalidFile: "ivr/ivr-that_was_an_invalid_entry.wav",
      variableName: "ext",
      regexp: "\\d+",
      digitTimeoutMs: 2000,
    });
    expect(instr.via === "sendmsg" && instr.headers["execute-app-arg"]).toBe(
      "1 4 3 5000 # ivr/ivr-enter_ext.wav ivr/ivr-that_was_an_invalid_entry.wav ext \\d+ 2000",
    );
  });

  test("play_and_get_digits: a tts:// prompt with spaces travels as one quoted field", () => {
    const instr = encodeCommand({
      type: "play_and_get_digits",
      uuid: CALL,
      applicationUuid: APP,
      minDigits: 1,
      maxDigits: 1,
      tries: 1,
      timeoutMs: 5000,
      terminators: "#",
      file: "tts://flite|kal|Press 1 to confirm",
      invalidFile: "",
      variableName: "digits",
      regexp: "",
      digitTimeoutMs: 3000,
    });
    expect(instr.via === "sendmsg" && instr.headers["execute-app-arg"]).toBe(
      "1 1 1 5000 # 'tts://flite|kal|Press 1 to confirm' silence_stream://250 digits [0-9*#]+ 3000",
    );
  });

  test("bridge", () => {
    const instr = encodeCommand({ type: "bridge", uuid: CALL, dialString: "user/1001", applicationUuid: APP });
    expect(instr.via === "sendmsg" && instr.headers["execute-app-arg"]).toBe("user/1001");
  });

  test("a multi-line speak text travels as a text/plain body, never as extra ESL lines", () => {
    const text = wire({
      type: "speak",
      uuid: CALL,
      engine: "flite",
      voice: "kal",
      text: "line one\nexecute-app-name: hangup\n\nsendmsg evil",
      applicationUuid: APP,
    });
    const arg = "flite|kal|line one\nexecute-app-name: hangup\n\nsendmsg evil";
    expect(text).toBe(
      `sendmsg ${CALL}\ncall-command: execute\nexecute-app-name: speak\nEvent-UUID: ${APP}\n` +
        `content-type: text/plain\ncontent-length: ${Buffer.byteLength(arg)}\n\n${arg}`,
    );
    // The header block (everything before the first blank line) names only the speak app.
    const head = text.slice(0, text.indexOf("\n\n"));
    expect(head.split("\n").filter((l) => l.startsWith("execute-app-name"))).toEqual(["execute-app-name: speak"]);
  });

  test("content-length counts bytes of a long UTF-8 argument", () => {
    const long = "Grüße ".repeat(300);
    const instr = encodeCommand({ type: "speak", uuid: CALL, engine: "flite", voice: "kal", text: long, applicationUuid: APP });
    expect(instr.via === "sendmsg" && instr.body).toBe(`flite|kal|${long}`);
    expect(wireText(instr)).toContain(`content-length: ${Buffer.byteLength(`flite|kal|${long}`)}\n\n`);
  });
});

describe("injection and invalid input are refused", () => {
  const refused: Array<[string, SwitchCommand]> = [
    ["newline in a hangup uuid", { type: "hangup", uuid: `${CALL}\napi shutdown`, cause: "NORMAL_CLEARING" }],
    ["unknown hangup cause", { type: "hangup", uuid: CALL, cause: "NORMAL_CLEARING\n\napi fsctl shutdown" }],
    ["space in a dial string", { type: "originate", uuid: CALL, dialString: "user/1000 &bridge(user/1001)" }],
    ["brace in a caller name", { type: "originate", uuid: CALL, dialString: "user/1000", callerIdName: "x}evil/1" }],
    ["newline in a caller name", { type: "originate", uuid: CALL, dialString: "user/1000", callerIdName: "a\nb" }],
    ["bad variable name", { type: "originate", uuid: CALL, dialString: "user/1000", variables: { "a=b,c": "1" } }],
    ["newline in a playback file", { type: "playback", uuid: CALL, file: "/tmp/a.wav\nexecute-app-name: hangup", applicationUuid: APP }],
    ["pipe in a speak engine", { type: "speak", uuid: CALL, engine: "flite|x", voice: "kal", text: "hi", applicationUuid: APP }],
    ["bad DTMF digits", { type: "send_dtmf", uuid: CALL, digits: "1 2" }],
    ["extra argument in a transfer", { type: "transfer", uuid: CALL, extension: "1000 XML evil" }],
    ["newline in an applicationUuid", { type: "answer", uuid: CALL, applicationUuid: `${APP}\nevent-lock: true` }],
    ["a quote in a play_and_get_digits file", {
      type: "play_and_get_digits",
      uuid: CALL,
      applicationUuid: APP,
      minDigits: 1,
      maxDigits: 1,
      tries: 1,
      timeoutMs: 1000,
      terminators: "#",
      file: "tts://flite|kal|it's late",
      invalidFile: "",
      variableName: "d",
      regexp: "",
      digitTimeoutMs: 1000,
    }],
  ];
  for (const [what, cmd] of refused) {
    test(what, () => {
      expect(() => encodeCommand(cmd)).toThrow(EslCommandError);
    });
  }

  test("api arguments with a line break are refused at the wire", () => {
    expect(() => wireText({ via: "api", command: "status", args: "x\n\nauth ClueCon" })).toThrow(EslCommandError);
    expect(() => wireText({ via: "api", command: "status\nexit", args: "" })).toThrow(EslCommandError);
  });

  test("channel variable escaping: comma, quote, spaces; ${ or an expansion escape is refused", () => {
    expect(escapeChannelVariable("plain")).toBe("plain");
    expect(escapeChannelVariable("a,b")).toBe("a\\,b");
    expect(escapeChannelVariable("O'Brien")).toBe("O\\'Brien");
    expect(escapeChannelVariable("Jane Doe, MD")).toBe("'Jane Doe\\, MD'");
    expect(escapeChannelVariable("Cash $5")).toBe("'Cash $5'");
    expect(() => escapeChannelVariable("C:\\\\x")).toThrow(EslCommandError);
    expect(() => escapeChannelVariable("${system(id)}")).toThrow(EslCommandError);
  });
});

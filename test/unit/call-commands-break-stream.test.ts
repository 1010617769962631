/**
 * The call commands a conversation needs besides say/play/transfer/hangup:
 * `break` (stop what plays, back to idle on its completion) and `audio_stream`
 * start/stop (mod_audio_stream), both gated by the call's state — and what the
 * encoder writes for them.
 */
import { describe, expect, test } from "bun:test";
import { createActor, SimulatedClock } from "xstate";
import {
  callMachine,
  callStateName,
  refusal,
  type CallChannelEvent,
  type CallEmitted,
  type CallEvent,
  type CallInput,
  type CallRefusedEmitted,
  type CallUserCommand,
} from "../../machines/call.ts";
import type { ChannelEvent, SwitchCommand } from "../../machines/switch/index.ts";
import { encodeCommand, EslCommandError, wireText } from "../../src/esl/index.ts";
// The simulated switch's port of switch_separate_string: what mod_audio_stream reads back from our line.
import { separateString } from "../../src/sim/separate-string.ts";

const CALL_ID = "6f1c2d3e-0000-4000-8000-00000000b7ea";
const T0 = 1_760_000_000_000;
const URL = "ws://127.0.0.1:8200/audio/6f1c2d3e-0000-4000-8000-00000000b7ea?token=abc123";
let sequence = 0;

function ch<K extends ChannelEvent["kind"]>(kind: K, offsetMs: number, extra: Partial<Extract<ChannelEvent, { kind: K }>> = {}): CallChannelEvent {
  return {
    eventName: kind.toUpperCase(),
    sequence: ++sequence,
    switchTimeMs: T0 + offsetMs,
    receivedAt: offsetMs,
    coreUuid: "core-1",
    uuid: CALL_ID,
    channelName: "sofia/gateway/carrier/15551230000",
    direction: "outbound",
    answerState: "answered",
    callState: "ACTIVE",
    channelState: "CS_EXECUTE",
    callerIdNumber: "15550001111",
    callerIdName: "",
    destinationNumber: "15551230000",
    variables: {},
    ...extra,
    kind,
    type: kind,
    at: T0 + offsetMs,
  } as unknown as CallChannelEvent;
}

const executeComplete = (offsetMs: number, application: string, applicationUuid: string) =>
  ch("channel.execute_complete", offsetMs, { application, applicationData: "", applicationResponse: "FILE PLAYED", applicationUuid });

function startCall(overrides: Partial<CallInput> = {}) {
  const clock = new SimulatedClock();
  clock.set(T0);
  const input: CallInput = {
    callId: CALL_ID,
    direction: "outbound",
    from: "15550001111",
    to: "15551230000",
    dialString: "sofia/gateway/carrier/15551230000",
    createdAt: T0,
    ...overrides,
  };
  const actor = createActor(callMachine, { input, clock });
  const emitted: CallEmitted[] = [];
  actor.on("*", (e) => emitted.push(e));
  actor.start();
  const send = (...events: CallEvent[]) => events.forEach((e) => actor.send(e));
  return {
    actor,
    send,
    state: () => callStateName(actor.getSnapshot()),
    ctx: () => actor.getSnapshot().context,
    commands: (): SwitchCommand[] => emitted.flatMap((e) => (e.type === "command" ? [e.command] : [])),
    refusals: (): CallRefusedEmitted[] => emitted.flatMap((e) => (e.type === "refused" ? [e] : [])),
    refusalOf: (command: CallUserCommand) => refusal(actor.getSnapshot(), command),
  };
}

function answered() {
  const call = startCall();
  call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.create", 20), ch("channel.answer", 1_000));
  expect(call.state()).toBe("in_progress.idle");
  return call;
}

const BREAK_ALL: SwitchCommand = { type: "break", uuid: CALL_ID, all: true };

describe("break", () => {
  test("while playing: uuid_break all; the interrupted playback's completion takes the call back to idle", () => {
    const call = answered();
    call.send({ type: "play", at: T0 + 2_000, url: "/s/menu.wav", applicationUuid: "app-play" });
    expect(call.state()).toBe("in_progress.playing");
    const before = call.commands().length;

    expect(call.refusalOf({ type: "break", at: T0 + 3_000 })).toBeNull();
    call.send({ type: "break", at: T0 + 3_000 });
    expect(call.commands().slice(before)).toEqual([BREAK_ALL]);
    // Still playing until the switch says the playback ended.
    expect(call.state()).toBe("in_progress.playing");

    call.send(ch("playback.stop", 3_020, { filePath: "/s/menu.wav", status: "break" }));
    call.send(executeComplete(3_025, "playback", "app-play"));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().lastPlayback).toEqual({ filePath: "/s/menu.wav", status: "break" });
    expect(call.ctx().error).toBeNull();
  });

  test("while speaking: the same; a say right after sends no second uuid_break (it would cut the new prompt)", () => {
    const call = answered();
    call.send({ type: "say", at: T0 + 2_000, text: "Your order has shipped and will arrive", applicationUuid: "app-say-1" });
    const before = call.commands().length;
    call.send({ type: "break", at: T0 + 2_500 });
    call.send({ type: "break", at: T0 + 2_510 });
    call.send({ type: "say", at: T0 + 2_520, text: "Sorry, go ahead.", applicationUuid: "app-say-2" });
    expect(call.commands().slice(before)).toEqual([
      BREAK_ALL,
      { type: "speak", uuid: CALL_ID, engine: "flite", voice: "kal", text: "Sorry, go ahead.", applicationUuid: "app-say-2" },
    ]);
    // The first say's completion is ignored; the second's ends the activity.
    call.send(executeComplete(2_530, "speak", "app-say-1"));
    expect(call.state()).toBe("in_progress.speaking");
    call.send(executeComplete(4_000, "speak", "app-say-2"));
    expect(call.state()).toBe("in_progress.idle");
  });

  test("idle: taken, and nothing reaches the switch", () => {
    const call = answered();
    const before = call.commands().length;
    expect(call.refusalOf({ type: "break", at: T0 + 2_000 })).toBeNull();
    call.send({ type: "break", at: T0 + 2_000 });
    expect(call.commands().length).toBe(before);
    expect(call.refusals()).toEqual([]);
    expect(call.state()).toBe("in_progress.idle");
  });

  test("refused before answer, while bridged and once ended — with the reason the API answers 409 with", () => {
    const ringing = startCall();
    ringing.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.progress", 300));
    expect(ringing.refusalOf({ type: "break", at: T0 + 400 })).toBe("cannot stop playback on a call that is ringing");
    ringing.send({ type: "break", at: T0 + 400 });
    expect(ringing.refusals()).toEqual([{ type: "refused", command: "break", reason: "cannot stop playback on a call that is ringing", state: "ringing" }]);

    const bridged = answered();
    bridged.send({ type: "bridge", at: T0 + 2_000, dialString: "user/1001", applicationUuid: "app-bridge" });
    bridged.send(ch("channel.bridge", 2_500, { otherUuid: "b-leg" }));
    const before = bridged.commands().length;
    bridged.send({ type: "break", at: T0 + 3_000 });
    expect(bridged.commands().length).toBe(before);
    expect(bridged.refusals().at(-1)?.reason).toBe("cannot stop playback on a call that is bridged");

    const ended = answered();
    ended.send(ch("channel.hangup_complete", 5_000, { hangupCause: "NORMAL_CLEARING", q850: 16, durationSec: 5, billSec: 4, progressSec: 0, answerSec: 1, startEpoch: 0, answerEpoch: 0, endEpoch: 0 }));
    expect(ended.refusalOf({ type: "break", at: T0 + 6_000 })).toBe("cannot stop playback on a call that has ended");
  });
});

describe("audio_stream", () => {
  test("start: the two variables mod_audio_stream needs, then the start; stop; the stream is in context meanwhile", () => {
    const call = answered();
    const before = call.commands().length;
    call.send({ type: "audio_stream", at: T0 + 1_500, action: "start", url: URL, metadata: '{"call":"c1"}' });
    expect(call.commands().slice(before)).toEqual([
      { type: "set_variable", uuid: CALL_ID, name: "STREAM_HEART_BEAT", value: "10" },
      { type: "set_variable", uuid: CALL_ID, name: "STREAM_MESSAGE_DEFLATE", value: "true" },
      { type: "audio_stream", uuid: CALL_ID, action: "start", url: URL, sampleRate: 16000, metadata: '{"call":"c1"}' },
    ]);
    expect(call.ctx().audioStream).toEqual({ url: URL, sampleRate: 16000, since: T0 + 1_500 });
    // The stream does not change what the call is doing.
    expect(call.state()).toBe("in_progress.idle");

    call.send({ type: "audio_stream", at: T0 + 9_000, action: "stop" });
    expect(call.commands().at(-1)).toEqual({ type: "audio_stream", uuid: CALL_ID, action: "stop" });
    expect(call.ctx().audioStream).toBeNull();
  });

  test("one stream per call: a second start and a stop without a stream are refused, nothing sent", () => {
    const call = answered();
    expect(call.refusalOf({ type: "audio_stream", at: T0 + 1_400, action: "stop" })).toBe("cannot stop the audio stream of a call that streams no audio");
    call.send({ type: "audio_stream", at: T0 + 1_500, action: "start", url: URL, sampleRate: 8000, heartBeatSec: 5 });
    expect(call.commands().at(-1)).toEqual({ type: "audio_stream", uuid: CALL_ID, action: "start", url: URL, sampleRate: 8000 });
    const before = call.commands().length;
    call.send({ type: "audio_stream", at: T0 + 1_600, action: "start", url: URL });
    expect(call.commands().length).toBe(before);
    expect(call.refusals().at(-1)).toEqual({
      type: "refused",
      command: "audio_stream",
      reason: "cannot start an audio stream on a call that already streams audio",
      state: "in_progress.idle",
    });
  });

  test("the switch refusing the start (-ERR) clears the stream, so it can be started again", () => {
    const call = answered();
    call.send({ type: "audio_stream", at: T0 + 1_500, action: "start", url: URL });
    call.send({ type: "command.failed", at: T0 + 1_520, command: "audio_stream", error: "-ERR Operation Failed" });
    expect(call.ctx().audioStream).toBeNull();
    expect(call.ctx().error).toBe("audio_stream: -ERR Operation Failed");
    expect(call.refusalOf({ type: "audio_stream", at: T0 + 2_000, action: "start", url: URL })).toBeNull();
  });

  test("mod_audio_stream::error ends the stream (the module closes its media bug): a new start is taken; ::disconnect does not", () => {
    const call = answered();
    call.send({ type: "audio_stream", at: T0 + 1_500, action: "start", url: URL });
    // ::disconnect (we closed the socket): the module keeps the stream attached until stop.
    call.send(ch("channel.custom", 1_600, { subclass: "mod_audio_stream::disconnect", body: '{"status":"disconnected","message":{"code":1000,"reason":"bye"}}' }));
    expect(call.ctx().audioStream).not.toBeNull();
    call.send(ch("channel.custom", 1_700, { subclass: "mod_audio_stream::error", body: '{"status":"error","message":{"code":1,"error":"EOF"}}' }));
    expect(call.ctx().audioStream).toBeNull();
    expect(call.refusalOf({ type: "audio_stream", at: T0 + 2_000, action: "start", url: URL })).toBeNull();
  });

  test("taken while playing, without changing the activity; refused before answer; gone once the call ends", () => {
    const call = answered();
    call.send({ type: "play", at: T0 + 2_000, url: "/s/menu.wav", applicationUuid: "app-play" });
    expect(call.refusalOf({ type: "audio_stream", at: T0 + 2_100, action: "start", url: URL })).toBeNull();
    call.send({ type: "audio_stream", at: T0 + 2_100, action: "start", url: URL });
    expect(call.state()).toBe("in_progress.playing");
    call.send(ch("channel.hangup_complete", 5_000, { hangupCause: "NORMAL_CLEARING", q850: 16, durationSec: 5, billSec: 4, progressSec: 0, answerSec: 1, startEpoch: 0, answerEpoch: 0, endEpoch: 0 }));
    expect(call.ctx().audioStream).toBeNull();

    const ringing = startCall();
    ringing.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.progress", 300));
    expect(ringing.refusalOf({ type: "audio_stream", at: T0 + 400, action: "start", url: URL })).toBe("cannot stream audio from a call that is ringing");
  });
});

describe("the wire", () => {
  const wire = (cmd: SwitchCommand) => wireText(encodeCommand(cmd));

  test("uuid_break all, uuid_setvar, uuid_audio_stream start (space form) and stop", () => {
    expect(wire(BREAK_ALL)).toBe(`api uuid_break ${CALL_ID} all\n\n`);
    expect(wire({ type: "set_variable", uuid: CALL_ID, name: "STREAM_HEART_BEAT", value: "10" })).toBe(`api uuid_setvar ${CALL_ID} STREAM_HEART_BEAT 10\n\n`);
    expect(wire({ type: "audio_stream", uuid: CALL_ID, action: "start", url: URL, sampleRate: 16000, metadata: '{"call":"c1"}' })).toBe(
      `api uuid_audio_stream ${CALL_ID} start ${URL} mono 16k {"call":"c1"}\n\n`,
    );
    expect(wire({ type: "audio_stream", uuid: CALL_ID, action: "start", url: URL, sampleRate: 8000 })).toBe(`api uuid_audio_stream ${CALL_ID} start ${URL} mono 8k\n\n`);
    expect(wire({ type: "audio_stream", uuid: CALL_ID, action: "stop" })).toBe(`api uuid_audio_stream ${CALL_ID} stop\n\n`);
  });

  test("metadata with spaces goes in the ^^| form; quotes, backslashes and line breaks escaped for cleanup_separated_string", () => {
    const metadata = `{"text":"it's a \\"test\\"\nok", "n": 1} `;
    expect(encodeCommand({ type: "audio_stream", uuid: CALL_ID, action: "start", url: URL, sampleRate: 16000, metadata })).toEqual({
      via: "api",
      command: "uuid_audio_stream",
      args: `^^|${CALL_ID}|start|${URL}|mono|16k|{"text":"it\\'s a \\\\"test\\\\"\\nok", "n": 1}\\s`,
    });
  });

  test("whatever the metadata holds, mod_audio_stream's split of the line gives back the URL, the rate and exactly that metadata", () => {
    for (const metadata of [
      '{"call":"c1","token":"abc"}',
      '{"text":"hello world, with  spaces","n":1}',
      `{"q":"it's 'x'","p":"a\\b","r":"say \"hi\""}`,
      "  leading and trailing  ",
      "tabs\tand\nnewlines\r",
      "pipes | in | text",
      "ünïcødé 😀 text",
    ]) {
      const { args } = encodeCommand({ type: "audio_stream", uuid: CALL_ID, action: "start", url: URL, sampleRate: 16000, metadata }) as { args: string };
      // mod_audio_stream.c stream_function: switch_separate_string(cmd, ' ', argv, 6).
      expect(separateString(args, " ", 6)).toEqual([CALL_ID, "start", URL, "mono", "16k", metadata]);
    }
  });

  test("refused: a URL that is not one ws(s) token, ${ in the URL or metadata, $\\ in metadata, odd rates, hook variables", () => {
    const start = (url: string, metadata?: string, sampleRate = 16000): SwitchCommand => ({ type: "audio_stream", uuid: CALL_ID, action: "start", url, sampleRate, ...(metadata ? { metadata } : {}) });
    for (const bad of [
      start("http://127.0.0.1/audio"),
      start("ws://127.0.0.1/a b"),
      start("ws://127.0.0.1/a|b"),
      start("ws://127.0.0.1/${system(id)}"),
      start("ws://127.0.0.1/a'b"),
      start(URL, '{"x":"${system(id)}"}'),
      start(URL, '{"x":"$\\{system(id)}"}'),
      start(URL, "nul\u0000byte"),
      start(URL, "x".repeat(8192)),
      start(URL, undefined, 11025),
      { type: "set_variable", uuid: CALL_ID, name: "api_hangup_hook", value: "shutdown" },
      { type: "set_variable", uuid: CALL_ID, name: "execute_on_answer", value: "park" },
      { type: "set_variable", uuid: CALL_ID, name: "STREAM_HEART_BEAT", value: "10 20" },
      { type: "set_variable", uuid: CALL_ID, name: "STREAM_HEART_BEAT", value: "${x}" },
      { type: "audio_stream", uuid: `${CALL_ID} hupall`, action: "stop" },
    ] as SwitchCommand[]) {
      expect(() => encodeCommand(bad)).toThrow(EslCommandError);
    }
  });
});

/**
 * How a conversation hears its call (runtime/conversation-call.ts): which
 * channel events become which notices, what is taken as heard when a sentence
 * is broken off, and the caller-audio stream's notices once per stream.
 */
import { describe, expect, test } from "bun:test";
import { callCommandOf, newConversationMeta, noteCommandSent, noticeOf } from "../../src/runtime/conversation-call.ts";

const CALL = "c0ffee00-0000-4000-8000-000000000001";
const ev = (type: string, receivedAt: number, extra: Record<string, unknown> = {}) => ({ type, receivedAt, uuid: CALL, ...extra });

describe("a spoken sentence (speak: no PLAYBACK events)", () => {
  test("started at CHANNEL_EXECUTE, done at EXECUTE_COMPLETE, both by Application-UUID", () => {
    const meta = newConversationMeta(CALL, "outbound");
    noteCommandSent(meta, { type: "say", id: "conv:2", text: "Hello there.", engine: "flite", voice: "kal" });
    expect(noticeOf(ev("channel.execute", 100, { application: "speak", applicationUuid: "other" }), meta)).toBeNull();
    expect(noticeOf(ev("channel.execute", 100, { application: "speak", applicationUuid: "conv:2" }), meta)).toEqual({ type: "call.playback_started", id: "conv:2", receivedAt: 100 });
    expect(noticeOf(ev("channel.execute_complete", 900, { application: "speak", applicationUuid: "conv:2", applicationResponse: "_none_" }), meta)).toEqual({
      type: "call.playback_stopped",
      id: "conv:2",
      status: "done",
      playbackMs: null,
      receivedAt: 900,
    });
    expect(meta.sentence).toBeNull();
  });

  test("broken off by our uuid_break: status break, heard for as long as it ran", () => {
    const meta = newConversationMeta(CALL, "outbound");
    noteCommandSent(meta, { type: "say", id: "conv:2", text: "A long sentence.", engine: "flite", voice: "kal" });
    noticeOf(ev("channel.execute", 1000, { application: "speak", applicationUuid: "conv:2" }), meta);
    noteCommandSent(meta, { type: "break", id: "conv:3" });
    expect(noticeOf(ev("channel.execute_complete", 1420, { application: "speak", applicationUuid: "conv:2", applicationResponse: "_none_" }), meta)).toEqual({
      type: "call.playback_stopped",
      id: "conv:2",
      status: "break",
      playbackMs: 420,
      receivedAt: 1420,
    });
  });
});

describe("a played file (OpenAI TTS)", () => {
  test("PLAYBACK_START starts it; after a break, playback_last_offset_pos says what was played, not playback_ms", () => {
    const meta = newConversationMeta(CALL, "outbound");
    noteCommandSent(meta, { type: "play", id: "conv:4", url: "/tts/abc.r24" });
    expect(noticeOf(ev("channel.execute", 10, { application: "playback", applicationUuid: "conv:4" }), meta)).toBeNull();
    expect(noticeOf(ev("playback.start", 12, { filePath: "/tts/abc.r24" }), meta)).toEqual({ type: "call.playback_started", id: "conv:4", receivedAt: 12 });
    // 0.42 s at 8 kHz played; 2.048 s read (a whole 16384-sample chunk).
    const variables = { playback_last_offset_pos: "3360", playback_ms: "2048", write_rate: "8000" };
    expect(noticeOf(ev("playback.stop", 440, { filePath: "/tts/abc.r24", status: "break", variables }), meta)).toBeNull();
    expect(noticeOf(ev("channel.execute_complete", 441, { application: "playback", applicationUuid: "conv:4", applicationResponse: "FILE PLAYED" }), meta)).toEqual({
      type: "call.playback_stopped",
      id: "conv:4",
      status: "break",
      playbackMs: 420,
      receivedAt: 441,
    });
  });

  test("a file the switch cannot open: the call would not say it (refused), not a sentence heard", () => {
    const meta = newConversationMeta(CALL, "outbound");
    noteCommandSent(meta, { type: "play", id: "conv:4", url: "/tts/missing.r24" });
    noticeOf(ev("channel.execute", 10, { application: "playback", applicationUuid: "conv:4" }), meta);
    expect(noticeOf(ev("channel.execute_complete", 11, { application: "playback", applicationUuid: "conv:4", applicationResponse: "FILE NOT FOUND" }), meta)).toEqual({
      type: "call.command_refused",
      id: "conv:4",
      reason: "play: FILE NOT FOUND",
      receivedAt: 11,
    });
  });

  test("a say/play the switch refused to run is refused back to the conversation", () => {
    const meta = newConversationMeta(CALL, "outbound");
    noteCommandSent(meta, { type: "say", id: "conv:5", text: "Hi.", engine: "flite", voice: "kal" });
    expect(noticeOf({ type: "command.failed", command: "speak", error: "-ERR no such channel", receivedAt: 5 }, meta)).toMatchObject({
      type: "call.command_refused",
      id: "conv:5",
      reason: "speak: -ERR no such channel",
    });
  });
});

describe("the call and its caller audio", () => {
  test("answer, DTMF and hangup", () => {
    const meta = newConversationMeta(CALL, "inbound");
    expect(noticeOf(ev("channel.answer", 1), meta)).toEqual({ type: "call.answered", receivedAt: 1 });
    expect(noticeOf(ev("channel.dtmf", 2, { digit: "5" }), meta)).toEqual({ type: "call.dtmf", digit: "5", receivedAt: 2 });
    expect(noticeOf(ev("channel.hangup", 3, { hangupCause: "NORMAL_CLEARING" }), meta)).toEqual({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: 3 });
    expect(noticeOf(ev("say", 4), meta)).toBeNull();
  });

  test("mod_audio_stream's CUSTOM events: connected, then lost once per stream; a new start is a new stream", () => {
    const meta = newConversationMeta(CALL, "inbound");
    noteCommandSent(meta, { type: "audio_stream.start", id: "conv:1" });
    const custom = (subclass: string, body: string, at: number) => ev("channel.custom", at, { subclass, body });
    expect(noticeOf(custom("mod_audio_stream::connect", '{"status":"connected"}', 1), meta)).toEqual({ type: "media.connected", receivedAt: 1 });
    expect(noticeOf(custom("mod_audio_stream::connect", '{"status":"connected"}', 2), meta)).toBeNull();
    const error = '{"status":"error","message":{"code":1,"error":"Connection closed without WebSocket CLOSE"}}';
    expect(noticeOf(custom("mod_audio_stream::error", error, 3), meta)).toEqual({
      type: "media.lost",
      reason: "mod_audio_stream error 1 IO: Connection closed without WebSocket CLOSE",
      receivedAt: 3,
    });
    expect(noticeOf(custom("mod_audio_stream::disconnect", '{"status":"disconnected","message":{"code":1000,"reason":"bye"}}', 4), meta)).toBeNull();
    expect(noticeOf(custom("mod_audio_stream::json", '{"anything":1}', 5), meta)).toBeNull();
    noteCommandSent(meta, { type: "audio_stream.start", id: "conv:7" });
    expect(noticeOf(custom("mod_audio_stream::disconnect", '{"status":"disconnected","message":{"code":1000,"reason":"bye"}}', 6), meta)).toEqual({
      type: "media.lost",
      reason: "mod_audio_stream disconnected (1000 bye)",
      receivedAt: 6,
    });
  });

  test("commands as the call takes them: ids become Application-UUIDs; the stream start carries the grant", () => {
    expect(callCommandOf({ type: "say", id: "conv:2", text: "Hi.", engine: "flite", voice: "slt" }, 7)).toEqual({
      type: "say",
      at: 7,
      text: "Hi.",
      engine: "flite",
      voice: "slt",
      applicationUuid: "conv:2",
    });
    expect(callCommandOf({ type: "break", id: "conv:3" }, 7)).toEqual({ type: "break", at: 7 });
    expect(
      callCommandOf({ type: "audio_stream.start", id: "conv:1" }, 7, { url: "ws://127.0.0.1:8090/audio/x?token=t", metadata: "{}", sampleRate: 16000, heartBeatSec: 10 }),
    ).toEqual({ type: "audio_stream", at: 7, action: "start", url: "ws://127.0.0.1:8090/audio/x?token=t", metadata: "{}", sampleRate: 16000, heartBeatSec: 10 });
    expect(() => callCommandOf({ type: "audio_stream.start", id: "conv:1" }, 7)).toThrow();
  });
});

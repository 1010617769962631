/**
 * mod_audio_stream CUSTOM events → typed media events. Bodies are the real
 * module's, from ../shared/esl-traces/freeswitch-1.10.12/mod_audio_stream_esl.transcript.txt.
 */
import { describe, expect, test } from "bun:test";
import {
  AUDIO_STREAM_EVENT_SUBSCRIPTION,
  AUDIO_STREAM_SUBCLASS,
  mapAudioStreamEvent,
} from "../../src/media/audio-stream-events.ts";

describe("mapAudioStreamEvent", () => {
  test("::connect → media.connected", () => {
    expect(mapAudioStreamEvent("mod_audio_stream::connect", `{"status":"connected"}`)).toEqual({ type: "media.connected" });
  });

  test("::disconnect (the server sent CLOSE) → media.lost with its code and reason", () => {
    const body = `{"status":"disconnected","message":{"code":1000,"reason":"server bye"}}`;
    expect(mapAudioStreamEvent("mod_audio_stream::disconnect", body)).toEqual({
      type: "media.lost",
      reason: { kind: "disconnected", code: 1000, reason: "server bye" },
    });
  });

  test("::error bodies from the capture → media.lost with libwsc's code name", () => {
    const cases: Array<[string, number, string]> = [
      [`{"status":"error","message":{"code":6,"error":"Connection refused (system error 111)"}}`, 6, "CONNECT_FAILED"],
      [`{"status":"error","message":{"code":10,"error":"Timeout"}}`, 10, "TIMEOUT"],
      [`{"status":"error","message":{"code":6,"error":"WebSocket upgrade failed"}}`, 6, "CONNECT_FAILED"],
      [`{"status":"error","message":{"code":1,"error":"Connection closed without WebSocket CLOSE (abnormal EOF)"}}`, 1, "IO"],
    ];
    for (const [body, code, codeName] of cases) {
      const event = mapAudioStreamEvent("mod_audio_stream::error", body);
      expect(event).toEqual({
        type: "media.lost",
        reason: { kind: "error", code, codeName, error: (JSON.parse(body) as { message: { error: string } }).message.error },
      });
    }
    expect(mapAudioStreamEvent("mod_audio_stream::error", `{"status":"error","message":{"code":42,"error":"x"}}`)).toEqual({
      type: "media.lost",
      reason: { kind: "error", code: 42, codeName: "UNKNOWN", error: "x" },
    });
  });

  test("a plain event's still-encoded subclass is read too", () => {
    expect(mapAudioStreamEvent("mod_audio_stream%3A%3Aconnect", `{"status":"connected"}`)).toEqual({ type: "media.connected" });
  });

  test("::json, ::play and other subclasses are not media state: null", () => {
    expect(mapAudioStreamEvent("mod_audio_stream::json", `{"type":"hello"}`)).toBeNull();
    expect(mapAudioStreamEvent("mod_audio_stream::play", `{"audioDataType":"raw","sampleRate":8000,"file":"/tmp/x_0.tmp.r8"}`)).toBeNull();
    expect(mapAudioStreamEvent("avmd::beep", `{}`)).toBeNull();
    expect(mapAudioStreamEvent("", undefined)).toBeNull();
  });

  test("bodies the module does not send: null and a warning, never a throw", () => {
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => void warnings.push(args) };
    const bad = [undefined, "", "not json", "{", "null", "[]", `"connected"`, `{"status":"error"}x`, `{"status":"disconnected"`];
    for (const body of bad) {
      expect(mapAudioStreamEvent("mod_audio_stream::connect", body, log)).toBeNull();
      expect(mapAudioStreamEvent("mod_audio_stream::disconnect", body, log)).toBeNull();
      expect(mapAudioStreamEvent("mod_audio_stream::error", body, log)).toBeNull();
    }
    // A status that contradicts the subclass.
    expect(mapAudioStreamEvent("mod_audio_stream::connect", `{"status":"error"}`, log)).toBeNull();
    expect(mapAudioStreamEvent("mod_audio_stream::error", `{"status":"connected"}`, log)).toBeNull();
    expect(warnings).toHaveLength(bad.length * 3 + 2);
  });

  test("a loss with a surprising message shape still reports the loss", () => {
    expect(mapAudioStreamEvent("mod_audio_stream::error", `{"status":"error"}`)).toEqual({
      type: "media.lost",
      reason: { kind: "error", code: 0, codeName: "UNKNOWN", error: "" },
    });
    expect(mapAudioStreamEvent("mod_audio_stream::disconnect", `{"status":"disconnected","message":{"code":"1000"}}`)).toEqual({
      type: "media.lost",
      reason: { kind: "disconnected", code: 0, reason: "" },
    });
  });

  test("the subscription names the three subclasses after CUSTOM and nothing else", () => {
    expect(AUDIO_STREAM_EVENT_SUBSCRIPTION).toBe(
      `CUSTOM ${AUDIO_STREAM_SUBCLASS.connect} ${AUDIO_STREAM_SUBCLASS.disconnect} ${AUDIO_STREAM_SUBCLASS.error}`,
    );
  });
});

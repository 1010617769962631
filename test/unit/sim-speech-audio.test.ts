/** The simulated world's speech audio: real 20 ms L16 frames that carry their words, and nothing else does. */
import { describe, expect, test } from "bun:test";
import {
  decodeSpeechFrame,
  l16Bytes,
  l16Samples,
  samplesPerFrame,
  silenceFrame,
  speechFrame,
  utteranceFrameCount,
  UtteranceText,
} from "../../src/sim/speech-audio.ts";

for (const rate of [16000, 8000]) {
  describe(`speech audio at ${rate / 1000} kHz`, () => {
    const utterance = { id: 7, text: "I'd like to book a cleaning next Tuesday at ten, s'il vous plaît.", durationMs: 1800 };

    test("frames are 20 ms of L16 (640 B at 16k, 320 B at 8k)", () => {
      expect(l16Bytes(speechFrame(utterance, 0, rate)).byteLength).toBe(rate === 16000 ? 640 : 320);
      expect(l16Bytes(silenceFrame(rate)).byteLength).toBe(samplesPerFrame(rate) * 2);
      expect(utteranceFrameCount(utterance, rate)).toBe(90);
    });

    test("the text comes back from the frames alone, through a byte round trip", () => {
      const assembled = new UtteranceText(7, new TextEncoder().encode(utterance.text).length);
      for (let i = 0; i < utteranceFrameCount(utterance, rate) && assembled.text === null; i++) {
        const bytes = l16Bytes(speechFrame(utterance, i, rate)).slice();
        const decoded = decodeSpeechFrame(l16Samples(bytes), rate)!;
        expect(decoded.utteranceId).toBe(7);
        expect(decoded.index).toBe(i);
        assembled.add(decoded);
      }
      expect(assembled.text).toBe(utterance.text);
    });

    test("silence and noise decode to nothing; the waveform is loud enough to be speech", () => {
      expect(decodeSpeechFrame(silenceFrame(rate), rate)).toBeNull();
      const noise = new Int16Array(samplesPerFrame(rate)).map(() => Math.round((Math.random() - 0.5) * 20000));
      expect(decodeSpeechFrame(noise, rate)).toBeNull();
      const frame = speechFrame(utterance, 3, rate);
      const rms = Math.sqrt(frame.slice(80).reduce((a, s) => a + s * s, 0) / (frame.length - 80));
      expect(rms).toBeGreaterThan(1000);
    });
  });
}

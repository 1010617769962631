/**
 * The simulated Deepgram's recogniser without sockets: what it hears in the
 * audio, on the audio's own clock — and what it cannot hear.
 */
import { describe, expect, test } from "bun:test";
import { type HeardWord, LiveRecogniser, parseListenParams, type RecognitionEvent, type RecogniserOptions } from "../../src/sim/deepgram/index.ts";
import { eventMessage, metadataMessage, modelInfo } from "../../src/sim/deepgram/messages.ts";
import { l16Bytes, silenceFrame, speechFrame, type Utterance, utteranceFrameCount } from "../../src/sim/speech-audio.ts";

const RATE = 16000;
const BOOKING: Utterance = { id: 1, text: "Hello, I'd like to book a cleaning.", durationMs: 1500 };
const TUESDAY: Utterance = { id: 2, text: "Next Tuesday at ten works for me.", durationMs: 1400 };

type Step = { silenceMs: number } | { say: Utterance; dropFrames?: (index: number) => boolean };

/** The 20 ms L16 frames of a script, as mod_audio_stream would send them. */
function frames(script: Step[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const step of script) {
    if ("silenceMs" in step) {
      for (let i = 0; i < step.silenceMs / 20; i++) out.push(l16Bytes(silenceFrame(RATE)));
    } else {
      for (let i = 0; i < utteranceFrameCount(step.say, RATE); i++) {
        // A dropped frame is replaced by nothing at all: the clock does not see it either, as with a shed frame.
        if (!step.dropFrames?.(i)) out.push(l16Bytes(speechFrame(step.say, i, RATE)));
      }
    }
  }
  return out;
}

const OPTIONS: RecogniserOptions = { sampleRate: RATE, interimResults: true, endpointingMs: 300, utteranceEndMs: 1000, vadEvents: true };

function recognise(chunks: Uint8Array[], opts: Partial<RecogniserOptions> = {}): { events: RecognitionEvent[]; recogniser: LiveRecogniser } {
  const recogniser = new LiveRecogniser({ ...OPTIONS, ...opts });
  const events: RecognitionEvent[] = [];
  for (const chunk of chunks) events.push(...recogniser.feed(chunk).events);
  return { events, recogniser };
}

const results = (events: RecognitionEvent[]) => events.filter((e) => e.kind === "result");
const finals = (events: RecognitionEvent[]) => results(events).filter((e) => e.isFinal);
const text = (words: HeardWord[]) => words.map((w) => w.word).join(" ");

describe("the simulated recogniser", () => {
  test("speech started, words as they become audible, a speech_final after endpointing, then UtteranceEnd", () => {
    const { events } = recognise(frames([{ silenceMs: 500 }, { say: BOOKING }, { silenceMs: 1500 }]));
    const kinds = events.map((e) => (e.kind === "result" ? (e.isFinal ? "final" : "interim") : e.kind));
    expect(kinds[0]).toBe("speech_started");
    expect(events[0]).toEqual({ kind: "speech_started", timestamp: 0.5 });

    const final = finals(events).find((e) => e.words.length > 0)!;
    expect(text(final.words)).toBe("hello i'd like to book a cleaning");
    expect(final.speechFinal).toBe(true);
    // Speech ends at 2.0 s on the audio clock; 300 ms of silence later the segment is final.
    expect(final.start).toBe(0);
    expect(final.duration).toBe(2.3);
    expect(final.words[0]!.start).toBe(0.5);
    expect(final.words.at(-1)!.end).toBeLessThanOrEqual(2.0);

    // Interims grow word by word and are prefixes of the final.
    const interims = results(events).filter((e) => !e.isFinal && e.words.length > 0);
    expect(interims.length).toBeGreaterThan(1);
    for (const interim of interims) expect(text(final.words).startsWith(text(interim.words))).toBe(true);
    expect(interims[0]!.words.length).toBeLessThan(final.words.length);

    const utteranceEnd = events.find((e) => e.kind === "utterance_end")!;
    expect(utteranceEnd).toEqual({ kind: "utterance_end", lastWordEnd: final.words.at(-1)!.end });
    expect(events.indexOf(utteranceEnd)).toBeGreaterThan(events.indexOf(final));
  });

  test("the same audio cut into odd-sized pieces is heard the same", () => {
    const whole = frames([{ silenceMs: 300 }, { say: BOOKING }, { silenceMs: 400 }, { say: TUESDAY }, { silenceMs: 1200 }]);
    const bytes = new Uint8Array(whole.reduce((n, f) => n + f.byteLength, 0));
    let at = 0;
    for (const f of whole) {
      bytes.set(f, at);
      at += f.byteLength;
    }
    const pieces: Uint8Array[] = [];
    for (let i = 0, size = 1; i < bytes.length; i += size, size = (size * 7 + 3) % 1500) pieces.push(bytes.subarray(i, i + size));
    expect(pieces.some((p) => p.byteLength % 2 === 1)).toBe(true);
    expect(recognise(pieces).events).toEqual(recognise(whole).events);
  });

  test("no audio, no transcript; silence gives only empty results", () => {
    expect(recognise([]).events).toEqual([]);
    const { events, recogniser } = recognise(frames([{ silenceMs: 12_000 }]));
    expect(events.some((e) => e.kind === "speech_started" || e.kind === "utterance_end")).toBe(false);
    expect(results(events).every((e) => e.words.length === 0)).toBe(true);
    // Empty finals tile the silence (every 5 s by default) and empty interims keep coming.
    expect(finals(events).map((e) => [e.start, e.duration])).toEqual([
      [0, 5],
      [5, 5],
    ]);
    expect(recogniser.durationSec).toBe(12);
  });

  test("frames that never arrive are never heard", () => {
    // BOOKING has 75 frames for 7 words: "like" is frames 21–32, "to" 32–42; "i'd" (10–21) and "book" (42–53) keep most of theirs.
    const { events } = recognise(frames([{ silenceMs: 200 }, { say: BOOKING, dropFrames: (i) => i >= 20 && i < 45 }, { silenceMs: 1200 }]));
    expect(text(finals(events).flatMap((e) => e.words))).toBe("hello i'd book a cleaning");
    // Losing the first frames still leaves the text in later ones (each frame repeats a slice of it).
    const late = recognise(frames([{ silenceMs: 200 }, { say: BOOKING, dropFrames: (i) => i < 12 }, { silenceMs: 1200 }]));
    expect(text(finals(late.events).flatMap((e) => e.words))).toBe("i'd like to book a cleaning");
  });

  test("Finalize flushes what was heard (from_finalize); the rest comes later", () => {
    const chunks = frames([{ silenceMs: 200 }, { say: BOOKING }]);
    const recogniser = new LiveRecogniser(OPTIONS);
    for (const chunk of chunks.slice(0, 10 + 40)) recogniser.feed(chunk);
    const [flushed] = recogniser.finalize();
    expect(flushed).toMatchObject({ kind: "result", isFinal: true, speechFinal: false, fromFinalize: true, start: 0, duration: 1 });
    expect(text((flushed as { words: HeardWord[] }).words)).toBe("hello i'd like");
    const rest: RecognitionEvent[] = [];
    for (const chunk of [...chunks.slice(50), ...frames([{ silenceMs: 300 }])]) rest.push(...recogniser.feed(chunk).events);
    const final = finals(rest)[0]!;
    expect(text(final.words)).toBe("to book a cleaning");
    expect(final.start).toBe(1);
    // No audio since the last final: Finalize answers nothing; after more (silent) audio, an empty from_finalize final.
    expect(recogniser.finalize()).toEqual([]);
    for (const chunk of frames([{ silenceMs: 100 }])) recogniser.feed(chunk);
    expect(recogniser.finalize()).toEqual([
      { kind: "result", isFinal: true, speechFinal: false, fromFinalize: true, cause: "finalize", start: 2, duration: 0.1, words: [] },
    ]);
  });

  test("a pause shorter than endpointing joins two utterances; a longer one splits them", () => {
    const joined = recognise(frames([{ silenceMs: 200 }, { say: BOOKING }, { silenceMs: 200 }, { say: TUESDAY }, { silenceMs: 600 }]));
    expect(finals(joined.events).filter((e) => e.words.length > 0).map((e) => text(e.words))).toEqual([
      "hello i'd like to book a cleaning next tuesday at ten works for me",
    ]);
    const split = recognise(frames([{ silenceMs: 200 }, { say: BOOKING }, { silenceMs: 600 }, { say: TUESDAY }, { silenceMs: 600 }]));
    expect(finals(split.events).filter((e) => e.words.length > 0).map((e) => [text(e.words), e.speechFinal])).toEqual([
      ["hello i'd like to book a cleaning", true],
      ["next tuesday at ten works for me", true],
    ]);
    expect(split.events.filter((e) => e.kind === "speech_started").map((e) => (e as { timestamp: number }).timestamp)).toEqual([0.2, 2.3]);
  });

  test("without endpointing, long speech is finalised in segments and never speech_final", () => {
    const long: Utterance = { id: 3, text: "one two three four five six seven eight nine ten eleven twelve", durationMs: 6000 };
    const { events } = recognise(frames([{ say: long }, { silenceMs: 1000 }]), { endpointingMs: null, maxSegmentMs: 2000 });
    const heard = finals(events).filter((e) => e.words.length > 0);
    expect(heard.length).toBeGreaterThanOrEqual(3);
    expect(heard.every((e) => !e.speechFinal)).toBe(true);
    expect(text(heard.flatMap((e) => e.words))).toBe(long.text);
    // The UtteranceEnd still comes (it is what survives when endpointing cannot fire).
    expect(events.some((e) => e.kind === "utterance_end")).toBe(true);
  });

  test("CloseStream finalises everything that arrived", () => {
    const recogniser = new LiveRecogniser(OPTIONS);
    for (const chunk of frames([{ silenceMs: 100 }, { say: TUESDAY }])) recogniser.feed(chunk);
    const [last] = recogniser.close();
    expect(last).toMatchObject({ kind: "result", isFinal: true, fromFinalize: false });
    expect(text((last as { words: HeardWord[] }).words)).toBe("next tuesday at ten works for me");
  });
});

describe("the simulated Deepgram's messages", () => {
  const ctx = { requestId: "r-1", model: modelInfo("nova-3"), punctuate: false, channel: [0, 1] as [number, number] };
  const words: HeardWord[] = [
    { word: "hello", punctuated: "Hello,", start: 0.5, end: 0.68, confidence: 0.95 },
    { word: "i'd", punctuated: "I'd", start: 0.71, end: 0.9, confidence: 0.97 },
  ];
  const result: RecognitionEvent = { kind: "result", isFinal: true, speechFinal: true, fromFinalize: false, cause: "endpoint", start: 0, duration: 1.2, words };

  test("Results carry the real field set, in the real order", () => {
    const message = JSON.parse(eventMessage(result, ctx));
    expect(Object.keys(message)).toEqual(["type", "channel_index", "duration", "start", "is_final", "speech_final", "channel", "metadata", "from_finalize"]);
    expect(message.channel.alternatives[0]).toEqual({
      transcript: "hello i'd",
      confidence: 0.96,
      words: [
        { word: "hello", start: 0.5, end: 0.68, confidence: 0.95 },
        { word: "i'd", start: 0.71, end: 0.9, confidence: 0.97 },
      ],
    });
    expect(message.metadata).toEqual({
      request_id: "r-1",
      model_info: { name: "general-nova-3", version: "2025-04-17.21547", arch: "nova-3" },
      model_uuid: "40bd3654-e622-47c4-a111-63a61b23bfe8",
    });
    const punctuated = JSON.parse(eventMessage(result, { ...ctx, punctuate: true }));
    expect(punctuated.channel.alternatives[0].transcript).toBe("Hello, I'd");
    expect(punctuated.channel.alternatives[0].words[0].punctuated_word).toBe("Hello,");
  });

  test("SpeechStarted, UtteranceEnd and Metadata", () => {
    expect(JSON.parse(eventMessage({ kind: "speech_started", timestamp: 0.5 }, ctx))).toEqual({ type: "SpeechStarted", channel: [0, 1], timestamp: 0.5 });
    expect(JSON.parse(eventMessage({ kind: "utterance_end", lastWordEnd: 0.9 }, ctx))).toEqual({ type: "UtteranceEnd", channel: [0, 1], last_word_end: 0.9 });
    const empty = JSON.parse(
      metadataMessage({
        requestId: "r-1",
        model: ctx.model,
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        created: new Date(0),
        durationSec: 0,
        channels: 1,
      }),
    );
    expect(empty).toMatchObject({ type: "Metadata", transaction_key: "deprecated", request_id: "r-1", duration: 0, channels: 0, models: [ctx.model.uuid] });
    expect(empty.model_info[ctx.model.uuid]).toEqual({ name: "general-nova-3", version: "2025-04-17.21547", arch: "nova-3" });
  });
});

describe("the /v1/listen query", () => {
  test("reads what @deepgram/sdk 5 sends (booleans as strings)", () => {
    const query = new URLSearchParams(
      "model=nova-3&encoding=linear16&sample_rate=16000&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&language=en-US",
    );
    expect(parseListenParams(query)).toEqual({
      ok: true,
      params: {
        model: "nova-3",
        language: "en-US",
        encoding: "linear16",
        sampleRate: 16000,
        channels: 1,
        interimResults: true,
        endpointingMs: 300,
        utteranceEndMs: 1000,
        vadEvents: true,
        punctuate: false,
      },
    });
  });

  test("defaults and refusals", () => {
    const params = parseListenParams(new URLSearchParams("encoding=linear16&sample_rate=8000&endpointing=false&utterance_end_ms=1000"));
    expect(params).toMatchObject({ ok: true, params: { endpointingMs: null, utteranceEndMs: null, interimResults: false, vadEvents: false } });
    expect(parseListenParams(new URLSearchParams("encoding=linear16")).ok).toBe(false);
    expect(parseListenParams(new URLSearchParams("encoding=mulaw&sample_rate=8000")).ok).toBe(false);
    expect(parseListenParams(new URLSearchParams("encoding=linear16&sample_rate=16000&interim_results=yes")).ok).toBe(false);
    expect(parseListenParams(new URLSearchParams("encoding=linear16&sample_rate=16000&channels=2")).ok).toBe(false);
    expect(parseListenParams(new URLSearchParams("encoding=linear16&sample_rate=16000"))).toMatchObject({ ok: true, params: { endpointingMs: 10 } });
  });
});

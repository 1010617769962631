/**
 * The simulated recogniser: turns the L16 audio of one live stream into
 * Deepgram's events, on the audio's own clock (samples received / rate), with
 * no sockets and no timers — the session (session.ts) decides when each event
 * is sent.
 *
 * It hears only the audio: speech frames (src/sim/speech-audio.ts) carry
 * their utterance's text and position, silence is anything else. So a frame
 * that never arrives is never transcribed: a word is heard when at least half
 * of its frames arrived, and never if the utterance's text could not be put
 * back together from the frames that did.
 *
 * What it emits, as the live API does (developers.deepgram.com docs:
 * endpointing, interim-results, utterance-end, speech-started, finalize):
 *   - SpeechStarted (vad_events) when speech begins after silence;
 *   - interim Results (interim_results) as words become audible, at most every
 *     `interimIntervalMs` of audio, and an (often empty) one after
 *     `idleInterimMs` with nothing else sent;
 *   - a final Results with speech_final once `endpointing` ms of silence
 *     followed heard words; a final without it when a segment grows past
 *     `maxSegmentMs`, or (empty) after `silenceFinalMs` of silence — finals
 *     tile the audio: each starts where the previous ended;
 *   - UtteranceEnd once `utterance_end_ms` of audio passed after the last
 *     heard word;
 *   - on Finalize, a final with from_finalize for what was heard so far; on
 *     CloseStream, a final for everything left.
 */

import { decodeSpeechFrame, type DecodedSpeechFrame, l16Samples, samplesPerFrame, UtteranceText } from "../speech-audio.ts";
import { type WordSlot, wordSlots } from "./words.ts";

export interface HeardWord {
  word: string;
  punctuated: string;
  /** Seconds of audio from the start of the stream. */
  start: number;
  end: number;
  confidence: number;
}

export type FinalCause = "endpoint" | "segment" | "silence" | "finalize" | "close";

export type RecognitionEvent =
  | { kind: "speech_started"; timestamp: number }
  | {
      kind: "result";
      isFinal: boolean;
      speechFinal: boolean;
      fromFinalize: boolean;
      /** Why a final was made; "interim" for interims. */
      cause: FinalCause | "interim";
      start: number;
      duration: number;
      words: HeardWord[];
    }
  | { kind: "utterance_end"; lastWordEnd: number };

export interface RecogniserOptions {
  sampleRate: number;
  interimResults: boolean;
  endpointingMs: number | null;
  utteranceEndMs: number | null;
  vadEvents: boolean;
  /** Least audio between two interims that add words; default 500 ms. */
  interimIntervalMs?: number;
  /** An interim (maybe empty) after this much audio with no result at all; default 1000 ms, 0 = never. */
  idleInterimMs?: number;
  /** A segment of continuous speech is finalised (without speech_final) past this length; default 5000 ms. */
  maxSegmentMs?: number;
  /** An empty final closes this much silence with nothing heard; default 5000 ms, 0 = never. */
  silenceFinalMs?: number;
  /** Silence after which the next speech is a new SpeechStarted; default 200 ms. */
  vadReleaseMs?: number;
}

export interface FeedResult {
  events: RecognitionEvent[];
  /** The audio held speech. */
  speech: boolean;
}

interface HeardUtterance {
  id: number;
  frameCount: number;
  text: UtteranceText;
  /** Sample (stream clock) where the utterance's frame 0 began, arrived or not. */
  startSample: number;
  received: Uint8Array;
  /** Frames 0..passed-1 are behind us: arrived or lost. */
  passed: number;
  slots: WordSlot[] | null;
  nextWord: number;
}

const round = (sec: number): number => Math.round(sec * 1000) / 1000;

export class LiveRecogniser {
  private readonly rate: number;
  private readonly frameSamples: number;
  private readonly interimIntervalMs: number;
  private readonly idleInterimMs: number;
  private readonly maxSegmentMs: number;
  private readonly silenceFinalMs: number;
  private readonly vadReleaseMs: number;

  /** A frame being assembled from chunks that do not hold whole frames. */
  private readonly partial: Int16Array;
  private partialFill = 0;
  private oddByte = -1;
  private bytes = 0;
  /** Samples of whole frames processed: the audio clock. */
  private clock = 0;

  private current: HeardUtterance | null = null;
  private readonly endedIds: number[] = [];
  private inSpeech = false;
  private lastSpeechEnd = 0;

  /** Start (samples) of the audio not yet covered by a final. */
  private cursor = 0;
  private words: HeardWord[] = [];
  private lastWordEnd = 0;
  private wordsSinceUtteranceEnd = false;
  private newWordsSinceInterim = false;
  private lastInterimAt = 0;
  private lastResultAt = 0;

  constructor(private readonly opts: RecogniserOptions) {
    this.rate = opts.sampleRate;
    this.frameSamples = samplesPerFrame(opts.sampleRate);
    this.partial = new Int16Array(this.frameSamples);
    this.interimIntervalMs = opts.interimIntervalMs ?? 500;
    this.idleInterimMs = opts.idleInterimMs ?? 1000;
    this.maxSegmentMs = opts.maxSegmentMs ?? 5000;
    this.silenceFinalMs = opts.silenceFinalMs ?? 5000;
    this.vadReleaseMs = opts.vadReleaseMs ?? 200;
  }

  /** Seconds of audio received (whole samples), for Metadata.duration. */
  get durationSec(): number {
    return Math.floor(this.bytes / 2) / this.rate;
  }

  get bytesReceived(): number {
    return this.bytes;
  }

  /** Take one binary message of L16 audio, whatever its size (partial samples and frames carry over). */
  feed(chunk: Uint8Array): FeedResult {
    const out: FeedResult = { events: [], speech: false };
    this.bytes += chunk.byteLength;
    const n = chunk.byteLength;
    let i = 0;
    if (this.oddByte >= 0 && n > 0) {
      this.put(this.oddByte | (chunk[0]! << 8), out);
      this.oddByte = -1;
      i = 1;
    }
    // Whole frames on the stream's 20 ms grid are read in place (mod_audio_stream sends exactly these).
    const frameBytes = this.frameSamples * 2;
    if (this.partialFill === 0) {
      for (; n - i >= frameBytes; i += frameBytes) this.frame(l16Samples(chunk.subarray(i, i + frameBytes)), out);
    }
    for (; i + 1 < n; i += 2) this.put(chunk[i]! | (chunk[i + 1]! << 8), out);
    if (i < n) this.oddByte = chunk[i]!;
    return out;
  }

  /** Deepgram `Finalize`: a final (from_finalize) for what was heard so far. */
  finalize(): RecognitionEvent[] {
    const events: RecognitionEvent[] = [];
    if (this.words.length > 0 || this.clock > this.cursor) this.final(events, "finalize");
    return events;
  }

  /** Deepgram `CloseStream`: no more audio will come; finalise everything heard. */
  close(): RecognitionEvent[] {
    const events: RecognitionEvent[] = [];
    if (this.current) this.endUtterance();
    if (this.words.length > 0 || this.clock > this.cursor) this.final(events, "close");
    return events;
  }

  private put(sample: number, out: FeedResult): void {
    this.partial[this.partialFill++] = sample; // Int16Array wraps 0..65535 to int16
    if (this.partialFill === this.frameSamples) {
      this.partialFill = 0;
      this.frame(this.partial, out);
    }
  }

  private frame(samples: Int16Array, out: FeedResult): void {
    const start = this.clock;
    this.clock += this.frameSamples;
    const decoded = decodeSpeechFrame(samples, this.rate);
    if (decoded) {
      out.speech = true;
      if (!this.inSpeech) {
        this.inSpeech = true;
        if (this.opts.vadEvents) out.events.push({ kind: "speech_started", timestamp: round(start / this.rate) });
      }
      this.lastSpeechEnd = this.clock;
      this.hear(decoded, start);
    } else {
      if (this.current) this.endUtterance();
      if (this.inSpeech && this.msSince(this.lastSpeechEnd) >= this.vadReleaseMs) this.inSpeech = false;
    }
    this.tick(decoded !== null, out.events);
  }

  private hear(frame: DecodedSpeechFrame, frameStart: number): void {
    let u = this.current;
    if (!u || u.id !== frame.utteranceId) {
      if (u) this.endUtterance();
      if (this.endedIds.includes(frame.utteranceId)) return; // a straggler of an utterance already over
      const frameCount = Math.max(1, frame.frameCount);
      u = this.current = {
        id: frame.utteranceId,
        frameCount,
        text: new UtteranceText(frame.utteranceId, frame.textLength),
        startSample: frameStart - frame.index * this.frameSamples,
        received: new Uint8Array(frameCount),
        passed: 0,
        slots: null,
        nextWord: 0,
      };
    }
    if (frame.index < u.frameCount) u.received[frame.index] = 1;
    u.text.add(frame);
    u.passed = Math.max(u.passed, Math.min(frame.index + 1, u.frameCount));
    this.decide(u);
  }

  private endUtterance(): void {
    const u = this.current!;
    this.current = null;
    u.passed = u.frameCount;
    this.decide(u);
    this.endedIds.push(u.id);
    if (this.endedIds.length > 8) this.endedIds.shift();
  }

  /** Words whose frames are all behind us are heard (half of them arrived) or lost. */
  private decide(u: HeardUtterance): void {
    const text = u.text.text;
    if (text === null) return; // not every slice of the text has arrived yet (or ever will)
    u.slots ??= wordSlots(text, u.frameCount, this.frameSamples / this.rate);
    const startSec = u.startSample / this.rate;
    while (u.nextWord < u.slots.length && u.slots[u.nextWord]!.lastFrame < u.passed) {
      const slot = u.slots[u.nextWord++]!;
      let arrived = 0;
      for (let f = slot.firstFrame; f <= slot.lastFrame; f++) arrived += u.received[f]!;
      if (arrived * 2 < slot.lastFrame - slot.firstFrame + 1) continue;
      const word = {
        word: slot.word,
        punctuated: slot.punctuated,
        start: round(startSec + slot.startSec),
        end: round(startSec + slot.endSec),
        confidence: slot.confidence,
      };
      this.words.push(word);
      this.lastWordEnd = Math.max(this.lastWordEnd, word.end);
      this.wordsSinceUtteranceEnd = true;
      this.newWordsSinceInterim = true;
    }
  }

  private tick(speech: boolean, events: RecognitionEvent[]): void {
    const { endpointingMs, utteranceEndMs, interimResults } = this.opts;
    if (this.words.length > 0) {
      if (!speech && endpointingMs !== null && this.msSince(this.lastSpeechEnd) >= endpointingMs) this.final(events, "endpoint");
      else if (this.msSince(this.cursor) >= this.maxSegmentMs) this.final(events, "segment");
    } else if (!this.inSpeech && this.silenceFinalMs > 0 && this.msSince(this.cursor) >= this.silenceFinalMs) {
      this.final(events, "silence");
    }
    if (interimResults) {
      const wordsDue = this.newWordsSinceInterim && this.msSince(this.lastInterimAt) >= this.interimIntervalMs;
      const idleDue = this.idleInterimMs > 0 && this.msSince(this.lastResultAt) >= this.idleInterimMs;
      if (wordsDue || idleDue) this.interim(events);
    }
    if (utteranceEndMs !== null && this.wordsSinceUtteranceEnd && (this.clock / this.rate - this.lastWordEnd) * 1000 >= utteranceEndMs) {
      events.push({ kind: "utterance_end", lastWordEnd: this.lastWordEnd });
      this.wordsSinceUtteranceEnd = false;
    }
  }

  private interim(events: RecognitionEvent[]): void {
    events.push(this.result(false, "interim"));
    this.lastInterimAt = this.lastResultAt = this.clock;
    this.newWordsSinceInterim = false;
  }

  private final(events: RecognitionEvent[], cause: FinalCause): void {
    events.push(this.result(true, cause));
    this.cursor = this.lastInterimAt = this.lastResultAt = this.clock;
    this.words = [];
    this.newWordsSinceInterim = false;
  }

  private result(isFinal: boolean, cause: FinalCause | "interim"): RecognitionEvent {
    return {
      kind: "result",
      isFinal,
      speechFinal: cause === "endpoint",
      fromFinalize: cause === "finalize",
      cause,
      start: round(this.cursor / this.rate),
      duration: round((this.clock - this.cursor) / this.rate),
      words: isFinal ? this.words : [...this.words],
    };
  }

  /** Milliseconds of audio from `sample` to now, exact on the sample grid. */
  private msSince(sample: number): number {
    return ((this.clock - sample) * 1000) / this.rate;
  }
}

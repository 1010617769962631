/**
 * What is heard on a simulated channel, and when: the far end's speech (a
 * caller's or callee's scripted words, the channel's READ audio) and the
 * bot's speech (what the switch plays to the far end: `speak`, `playback`,
 * the channel's WRITE audio). Both are timelines of utterances on the
 * performance clock, read by mod_audio_stream's frames (src/sim/audio-stream.ts)
 * and by reactive callers (src/sim/callers.ts), and kept as a transcript for
 * tests and the simulated Deepgram.
 *
 * The far end's audio is real time whatever the scenario's timeScale: an
 * utterance lasts its own (unscaled) duration. The bot's speech lasts what
 * the switch makes it last (speak / playback lengths, scaled as every
 * scripted duration is).
 */

import type { Channel } from "./channel.ts";
import { type SpeechSegment } from "./scenario.ts";
import { FRAME_MS, silenceFrame, speechFrame, type Utterance, utteranceFrameCount } from "./speech-audio.ts";
import type { SwitchCore } from "./switch-core.ts";

/** performance.now() → epoch ms (what tests and the simulated Deepgram compare against). */
export function epochMs(perf: number): number {
  return performance.timeOrigin + perf;
}

/** One thing the far end said. */
export interface FarEndUtterance {
  /** 0..65535 within the channel: the id its audio frames carry. */
  readonly id: number;
  readonly party: "caller" | "callee";
  readonly text: string;
  /** When it starts, on the performance clock. */
  readonly startPerf: number;
  /** Its length in the audio (real ms, at least one frame per slice of its text). */
  readonly durationMs: number;
  /** The conversation turn it belongs to (scenario `turns` index), if any. */
  readonly turn: number | undefined;
  /** Cut short (the caller hung up mid-sentence): the audio ends here. */
  cutPerf: number | undefined;
  /** For speechFrame: the utterance as the audio encodes it. */
  readonly audio: Utterance;
}

/** One thing the bot said (speak) or played (playback). */
export interface BotUtterance {
  readonly id: number;
  readonly kind: "speak" | "playback";
  /** The spoken text (speak, tts:// files), else "" for a played file. */
  readonly text: string;
  /** What was played (playback), or the speak argument. */
  readonly source: string;
  readonly startPerf: number;
  /** Its full length in real ms (scaled by timeScale), null for a stream that never ends. */
  readonly lengthMs: number | null;
  endPerf: number | undefined;
  /** Stopped early by uuid_break (or a digit), or cut by hangup. */
  interrupted: boolean;
  readonly audio: Utterance;
}

export type BotSpeechListener = (event: "start" | "end", utterance: BotUtterance) => void;

/** A transcript entry as the simulator API returns it (epoch ms). */
export interface SpokenLine {
  who: "caller" | "callee" | "bot";
  text: string;
  /** When it started and ended (epoch ms); endedAt is undefined while it goes on. */
  startedAt: number;
  endedAt: number | undefined;
  durationMs: number;
  /** Caller: hung up mid-sentence. Bot: broken off (uuid_break) or hung up on. */
  interrupted: boolean;
  /** Caller: the scenario turn it belongs to. */
  turn?: number;
  /** Bot: speak or playback, and what was played. */
  kind?: "speak" | "playback";
  source?: string;
}

const RECENT_CAP = 5000;

export class ChannelMedia {
  readonly farEnd: FarEndUtterance[] = [];
  readonly bot: BotUtterance[] = [];
  readonly dtmf: Array<{ digit: string; atPerf: number; turn: number | undefined }> = [];
  private readonly listeners = new Set<BotSpeechListener>();
  private nextFarEndId = 1;
  private nextBotId = 1;
  /** Index of the first far-end utterance that may still be heard (timeline reads move forward). */
  private farEndLive = 0;
  private botLive = 0;

  constructor(readonly uuid: string) {}

  onBotSpeech(listener: BotSpeechListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The bot utterance playing now, if any. */
  currentBot(): BotUtterance | undefined {
    const last = this.bot[this.bot.length - 1];
    return last && last.endPerf === undefined ? last : undefined;
  }

  addFarEnd(party: "caller" | "callee", text: string, durationMs: number, turn: number | undefined, startPerf = performance.now()): FarEndUtterance {
    const id = this.nextFarEndId;
    this.nextFarEndId = (this.nextFarEndId + 1) & 0x7fff || 1;
    const audio: Utterance = { id, text, durationMs };
    // Every slice of the text must be sent, so a short duration for a long text stretches.
    const frames = utteranceFrameCount(audio, 8000);
    const u: FarEndUtterance = {
      id,
      party,
      text,
      startPerf,
      durationMs: Math.max(durationMs, frames * FRAME_MS),
      turn,
      cutPerf: undefined,
      audio: { id, text, durationMs: Math.max(durationMs, frames * FRAME_MS) },
    };
    this.farEnd.push(u);
    return u;
  }

  startBot(kind: "speak" | "playback", text: string, source: string, lengthMs: number | null): BotUtterance {
    const id = 0x8000 | this.nextBotId;
    this.nextBotId = (this.nextBotId + 1) & 0x7fff || 1;
    const u: BotUtterance = {
      id,
      kind,
      text,
      source,
      startPerf: performance.now(),
      lengthMs,
      endPerf: undefined,
      interrupted: false,
      audio: { id, text, durationMs: lengthMs ?? 3_600_000 },
    };
    this.bot.push(u);
    for (const l of [...this.listeners]) l("start", u);
    return u;
  }

  endBot(u: BotUtterance, interrupted: boolean): void {
    if (u.endPerf !== undefined) return;
    u.endPerf = performance.now();
    u.interrupted = interrupted;
    for (const l of [...this.listeners]) l("end", u);
  }

  /** The far end's 20 ms frame that starts at `t` (performance clock), or null for silence. */
  farEndFrameAt(t: number, rate: number): Int16Array | null {
    const list = this.farEnd;
    // Utterances that ended more than 10 s before t are never read again (streams only catch up 5 s).
    while (this.farEndLive < list.length && endOf(list[this.farEndLive]!) < t - 10_000) this.farEndLive++;
    // The latest-started utterance that covers t wins (a real line would mix overlapping speech).
    for (let i = list.length - 1; i >= this.farEndLive; i--) {
      const u = list[i]!;
      if (u.startPerf > t) continue;
      if (t >= endOf(u)) continue;
      const index = Math.floor((t - u.startPerf) / FRAME_MS);
      return speechFrame(u.audio, index, rate);
    }
    return null;
  }

  /** The bot's 20 ms frame at `t`, or null for silence. */
  botFrameAt(t: number, rate: number): Int16Array | null {
    const list = this.bot;
    while (this.botLive < list.length && (list[this.botLive]!.endPerf ?? Infinity) < t - 10_000) this.botLive++;
    for (let i = list.length - 1; i >= this.botLive; i--) {
      const u = list[i]!;
      if (u.startPerf > t) continue;
      const end = u.endPerf ?? (u.lengthMs === null ? Infinity : u.startPerf + u.lengthMs);
      if (t >= end) continue;
      return speechFrame(u.audio, Math.floor((t - u.startPerf) / FRAME_MS), rate);
    }
    return null;
  }

  /** The far end's speech as a transcript. */
  farEndLines(): SpokenLine[] {
    return this.farEnd.map((u) => {
      const end = endOf(u);
      return {
        who: u.party,
        text: u.text,
        startedAt: epochMs(u.startPerf),
        endedAt: end <= performance.now() ? epochMs(end) : undefined,
        durationMs: u.cutPerf === undefined ? u.durationMs : end - u.startPerf,
        interrupted: u.cutPerf !== undefined,
        ...(u.turn !== undefined ? { turn: u.turn } : {}),
      };
    });
  }

  botLines(): SpokenLine[] {
    return this.bot.map((u) => ({
      who: "bot" as const,
      text: u.text,
      startedAt: epochMs(u.startPerf),
      endedAt: u.endPerf === undefined ? undefined : epochMs(u.endPerf),
      durationMs: (u.endPerf ?? performance.now()) - u.startPerf,
      interrupted: u.interrupted,
      kind: u.kind,
      source: u.source,
    }));
  }
}

/** When a far-end utterance's audio ends (its cut, if it was cut). */
export function endOf(u: FarEndUtterance): number {
  const full = u.startPerf + u.durationMs;
  return u.cutPerf !== undefined ? Math.min(full, u.cutPerf) : full;
}

/** Per-core media state: every channel's timelines, kept a while after the channel is gone. */
export class SimMedia {
  private readonly live = new Map<string, ChannelMedia>();
  private readonly recent = new Map<string, ChannelMedia>();

  of(ch: Channel): ChannelMedia {
    let m = this.live.get(ch.uuid);
    if (!m) {
      m = new ChannelMedia(ch.uuid);
      this.live.set(ch.uuid, m);
      const media = m;
      ch.hangupHooks.push(() => this.retire(ch.uuid, media));
    }
    return m;
  }

  find(uuid: string): ChannelMedia | undefined {
    return this.live.get(uuid) ?? this.recent.get(uuid);
  }

  private retire(uuid: string, m: ChannelMedia): void {
    // A bot utterance still going ends with the call.
    const current = m.currentBot();
    if (current) m.endBot(current, true);
    this.live.delete(uuid);
    this.recent.set(uuid, m);
    if (this.recent.size > RECENT_CAP) this.recent.delete(this.recent.keys().next().value!);
  }
}

const registries = new WeakMap<SwitchCore, SimMedia>();

export function simMedia(core: SwitchCore): SimMedia {
  let m = registries.get(core);
  if (!m) registries.set(core, (m = new SimMedia()));
  return m;
}

/** Silence frames are shared (never written to). */
const silenceCache = new Map<number, Int16Array>();
export function sharedSilence(rate: number): Int16Array {
  let s = silenceCache.get(rate);
  if (!s) silenceCache.set(rate, (s = silenceFrame(rate)));
  return s;
}

/**
 * The far end says something now: stored on the channel (speechFor), emitted
 * as `caller-speech`, and put on the channel's audio timeline.
 */
export function farEndSays(
  core: SwitchCore,
  ch: Channel,
  party: "caller" | "callee",
  text: string,
  durationMs: number,
  opts: { segment?: SpeechSegment; turn?: number } = {},
): FarEndUtterance {
  const u = simMedia(core).of(ch).addFarEnd(party, text, durationMs, opts.turn);
  const segment: SpeechSegment = opts.segment ?? { atMs: 0, durationMs: u.durationMs, text };
  ch.speech.push(segment);
  core.emitSpeech({ uuid: ch.uuid, party, text, startedAt: epochMs(u.startPerf), durationMs: u.durationMs, segment });
  return u;
}

/**
 * The switch starts playing something to the far end (speak, playback).
 * Returns the function that ends it.
 */
export function botSpeechStarts(
  core: SwitchCore,
  ch: Channel,
  kind: "speak" | "playback",
  source: string,
  text: string,
  lengthMs: number | null,
): (interrupted: boolean) => void {
  const media = simMedia(core).of(ch);
  const u = media.startBot(kind, text, source, lengthMs);
  return (interrupted) => media.endBot(u, interrupted);
}

/** The words of a played file: a tts:// file's text, else none (a recording's words are unknown). */
export function playedText(path: string): string {
  const tts = /^(?:\{[^}]*\})?tts:\/\/[^|]*\|[^|]*\|([\s\S]*)$/.exec(path);
  return tts ? tts[1]! : "";
}

/**
 * One bot reply as a queue of sentences, each going queued → preparing (TTS)
 * → ready → playing → done | cut, or dropped when the caller barges in.
 * Sentences are synthesised and played strictly in order; what the caller
 * heard is read back from the call's playback notices. Pure functions.
 */
import { splitHeard } from "./heard-text.ts";
import { flushSentences, takeSentences } from "./sentences.ts";
import type { BargeInTrigger, BotReply, BotSentence, ReplyKind, SentenceSource, SentenceStatus } from "./conversation-types.ts";

const FINISHED: ReadonlySet<SentenceStatus> = new Set(["done", "cut", "dropped", "failed"]);
const PENDING: ReadonlySet<SentenceStatus> = new Set(["queued", "preparing", "ready"]);

export function newReply(kind: ReplyKind, turn: number | null, needsLlm: boolean): BotReply {
  return {
    kind,
    turn,
    sentences: [],
    nextKey: 1,
    buffer: "",
    roundText: "",
    roundToolCalls: [],
    toolIndex: 0,
    toolRoundOpen: false,
    toolStartedAt: null,
    llmRequests: 0,
    needsLlm,
    generationDone: !needsLlm,
    fillerSpoken: false,
    interruption: null,
    then: null,
  };
}

/** A new sentence, queued to be rendered; one not for the model is a filler. */
export function sentence(key: number, text: string, source: SentenceSource): BotSentence {
  return {
    key,
    text,
    source,
    forModel: source !== "filler",
    inMessages: false,
    status: "queued",
    commandId: null,
    utterance: null,
    durationMs: null,
    startedAt: null,
    stoppedAt: null,
    playbackMs: null,
    interruptedAt: null,
    resumed: false,
  };
}

export function queueSentences(reply: BotReply, texts: string[], source: SentenceSource): BotReply {
  const added = texts.filter((t) => t.trim() !== "").map((t, i) => sentence(reply.nextKey + i, t.trim(), source));
  if (added.length === 0) return reply;
  return { ...reply, sentences: [...reply.sentences, ...added], nextKey: reply.nextKey + added.length };
}

/** Streamed model text: complete sentences are queued at once, the rest waits in the buffer. */
export function appendModelText(reply: BotReply, text: string, maxChars: number): BotReply {
  const split = takeSentences(reply.buffer + text, maxChars);
  return queueSentences({ ...reply, buffer: split.rest, roundText: reply.roundText + text }, split.sentences, "model");
}

/** The model round ended: whatever is left in the buffer is spoken. */
export function flushModelText(reply: BotReply, maxChars: number): BotReply {
  return queueSentences({ ...reply, buffer: "" }, flushSentences(reply.buffer, maxChars), "model");
}

export function updateSentence(reply: BotReply, key: number, patch: Partial<BotSentence>): BotReply {
  return { ...reply, sentences: reply.sentences.map((s) => (s.key === key ? { ...s, ...patch } : s)) };
}

export function sentenceByCommand(reply: BotReply | null, commandId: string): BotSentence | undefined {
  return reply?.sentences.find((s) => s.commandId === commandId);
}

/** The next sentence for TTS: one at a time, in order. */
export function nextToSynthesize(reply: BotReply | null): BotSentence | undefined {
  if (reply === null || reply.sentences.some((s) => s.status === "preparing")) return undefined;
  return reply.sentences.find((s) => s.status === "queued");
}

export function preparingSentence(reply: BotReply | null): BotSentence | undefined {
  return reply?.sentences.find((s) => s.status === "preparing");
}

export function playingSentence(reply: BotReply | null): BotSentence | undefined {
  return reply?.sentences.find((s) => s.status === "playing");
}

/** The next sentence to play: the first one not finished, if its audio is ready and nothing plays. */
export function nextToPlay(reply: BotReply | null): BotSentence | undefined {
  if (reply === null) return undefined;
  const first = reply.sentences.find((s) => !FINISHED.has(s.status));
  return first?.status === "ready" ? first : undefined;
}

/** Nothing is waiting for TTS or playing. */
export function speechIdle(reply: BotReply | null): boolean {
  return reply === null || reply.sentences.every((s) => FINISHED.has(s.status));
}

export function sentencesSpoken(reply: BotReply): number {
  return reply.sentences.filter((s) => s.status !== "dropped" && s.status !== "failed").length;
}

/** Milliseconds of a sentence the caller heard. */
function playedMs(s: BotSentence, now: number | null): number {
  if (s.playbackMs !== null) return s.playbackMs;
  if (s.startedAt === null) return 0;
  const until = s.stoppedAt ?? s.interruptedAt ?? now;
  return until === null ? 0 : Math.max(0, until - s.startedAt);
}

/** What the caller heard of one sentence (`now` for one still playing). */
export function heardOf(s: BotSentence, now: number | null): string {
  if (s.status === "done") return s.text;
  if (s.status === "cut" || s.status === "playing") return splitHeard(s.text, playedMs(s, now), s.durationMs).heard;
  return "";
}

/**
 * The caller cut in: the sentence playing is marked (its playback_stopped
 * will say how much was heard), the sentences not yet played are dropped.
 */
export function interruptReply(reply: BotReply, at: number | null, trigger: BargeInTrigger): BotReply {
  return {
    ...reply,
    interruption: { at, trigger },
    sentences: reply.sentences.map((s) => {
      if (s.status === "playing") return { ...s, interruptedAt: at };
      if (PENDING.has(s.status)) return { ...s, status: "dropped" as const, utterance: null };
      return s;
    }),
  };
}

/**
 * A false interruption: the unheard rest of the cut sentence is queued right
 * after it, and the sentences dropped at the barge-in are queued again. The
 * model's stream was stopped at the barge-in, so what it had not yet written
 * is not said; with nothing at all to resume the model is asked again.
 */
export function resumeReply(reply: BotReply, now: number | null): { reply: BotReply; resumed: string } {
  const sentences: BotSentence[] = [];
  let nextKey = reply.nextKey;
  const resumed: string[] = [];
  for (const s of reply.sentences) {
    if (s.interruptedAt !== null && !s.resumed && (s.status === "cut" || s.status === "playing")) {
      const rest = splitHeard(s.text, playedMs(s, now), s.durationMs).rest;
      const cut: BotSentence = { ...s, status: s.status === "playing" ? "cut" : s.status, resumed: true };
      sentences.push(cut);
      if (rest !== "") {
        sentences.push({ ...sentence(nextKey++, rest, "resume"), forModel: s.forModel });
        resumed.push(rest);
      }
    } else if (s.status === "dropped" && reply.interruption !== null) {
      sentences.push({ ...s, status: "queued" });
      resumed.push(s.text);
    } else {
      sentences.push(s);
    }
  }
  const nothingToSay = resumed.length === 0;
  // What the model wrote before the barge-in is said; what it had not written is
  // lost, unless nothing was: then it is asked again. Tools cancelled at the
  // barge-in have "cancelled" results in the history: the model decides again.
  const needsLlm = (nothingToSay && !reply.generationDone) || reply.toolRoundOpen;
  return {
    reply: {
      ...reply,
      sentences,
      nextKey,
      interruption: null,
      buffer: "",
      needsLlm,
      generationDone: !needsLlm,
      roundText: nothingToSay ? "" : reply.roundText,
      roundToolCalls: [],
      toolIndex: 0,
      toolRoundOpen: false,
    },
    resumed: resumed.join(" "),
  };
}

export interface HeardReply {
  /** The assistant message: model-visible sentences not already in the history. */
  forModel: string;
  /** Everything the caller heard, for the transcript. */
  all: string;
  interrupted: boolean;
  startedAt: number | null;
  endedAt: number | null;
}

export function heardReply(reply: BotReply, now: number | null): HeardReply {
  const all: string[] = [];
  const forModel: string[] = [];
  let startedAt: number | null = null;
  let endedAt: number | null = null;
  for (const s of reply.sentences) {
    const heard = heardOf(s, now);
    if (heard === "") continue;
    all.push(heard);
    if (s.forModel && !s.inMessages) forModel.push(heard);
    if (s.startedAt !== null && (startedAt === null || s.startedAt < startedAt)) startedAt = s.startedAt;
    const end = s.stoppedAt ?? s.interruptedAt;
    if (end !== null && (endedAt === null || end > endedAt)) endedAt = end;
  }
  // A cut sentence whose rest was said again was heard in full after all.
  const interrupted =
    reply.interruption !== null ||
    reply.sentences.some((s) => (s.status === "cut" && !s.resumed) || s.status === "dropped");
  return { forModel: forModel.join(" "), all: all.join(" "), interrupted, startedAt, endedAt };
}

/**
 * What the conversations bench adds on top of the turns since every model
 * request passes the safety guard and every ended conversation gets a
 * post-call analysis:
 *  - the guard's local checks, each one exactly: the value the runtime observes
 *    into switchboard_safety_local_check_seconds (and the moderation
 *    histogram), caught by wrapping Histogram.prototype.observe — the
 *    exported histogram's buckets are too coarse for sub-millisecond
 *    percentiles;
 *  - each post-call analysis request, timed by wrapping
 *    OpenAIAnalysis.prototype.analyse (ok or failed);
 *  - each guarded reply's timeline: the guard holds the model's text until a
 *    sentence is complete and checked, then passes it on re-stamped (the
 *    turn's llmFirstToken mark stays the model's first chunk: the guard sends
 *    an empty chunk with that time first). Wrapping ReplyGuard.prototype.push
 *    (and the instance's emit) keys, by that first chunk's arrival, the chunk
 *    that completed the first sentence and the sentence's release: what the
 *    guard's hold costs a turn.
 * Install before the runtime starts; reset() after the warm-up so only the
 * pass counts.
 */
import { OpenAIAnalysis } from "../../src/ai/analysis/client.ts";
import type { LlmChunk } from "../../machines/ports/index.ts";
import { ReplyGuard } from "../../src/ai/safety/guard.ts";
import { Histogram } from "../../src/runtime/metrics.ts";

const LOCAL_CHECK = "switchboard_safety_local_check_seconds";
const MODERATION = "switchboard_safety_moderation_seconds";

export interface PostCallProbe {
  /** Each local check of the guard (a caller turn, a reply sentence), ms. */
  readonly localCheckMs: number[];
  /** Each moderation request (only with OPENAI_MODERATION=true), ms. */
  readonly moderationMs: number[];
  /** Each post-call analysis model pass, ms, and whether it gave an analysis. */
  readonly analyses: Array<{ ms: number; ok: boolean }>;
  /** By the model's first chunk's arrival (the turn's llmFirstToken mark, which the guard keeps): that reply's raw timeline. */
  readonly guarded: Map<number, GuardedReply>;
  reset(): void;
}

export interface GuardedReply {
  /** The model's first text chunk, as the adapter stamped it. */
  rawFirstToken: number;
  /** The chunk that completed the first sentence, as the adapter stamped it. */
  rawFirstSentence: number;
  /** When the guard passed that sentence on (its checks done). */
  released: number;
}

interface GuardState {
  rawFirstToken: number | null;
  /** The chunk being pushed: a sentence the guard takes from it was completed by it. */
  pushing: number | null;
  rawFirstSentence: number | null;
  released: boolean;
}

export function installPostCallProbe(): PostCallProbe {
  const probe: PostCallProbe = {
    localCheckMs: [],
    moderationMs: [],
    analyses: [],
    guarded: new Map(),
    reset() {
      probe.localCheckMs.length = 0;
      probe.moderationMs.length = 0;
      probe.analyses.length = 0;
      probe.guarded.clear();
    },
  };
  const states = new WeakMap<ReplyGuard, GuardState>();
  const push0 = ReplyGuard.prototype.push;
  ReplyGuard.prototype.push = function (this: ReplyGuard, chunk: LlmChunk) {
    let state = states.get(this);
    if (!state) {
      const st: GuardState = { rawFirstToken: null, pushing: null, rawFirstSentence: null, released: false };
      state = st;
      states.set(this, st);
      // `emit` is the constructor's private field: what the guard passes on to the conversation.
      const self = this as unknown as { emit: (c: LlmChunk) => void };
      const emit0 = self.emit;
      self.emit = (c: LlmChunk) => {
        // The guard's empty first chunk only carries the model's first-token time (the turn's
        // llmFirstToken mark); the first release with words is the checked first sentence.
        if (c.type === "llm.text" && c.text !== "" && !st.released && st.rawFirstToken !== null) {
          st.released = true;
          probe.guarded.set(st.rawFirstToken, { rawFirstToken: st.rawFirstToken, rawFirstSentence: st.rawFirstSentence ?? st.rawFirstToken, released: c.receivedAt });
        }
        emit0(c);
      };
    }
    if (chunk.type === "llm.text" && state.rawFirstToken === null) state.rawFirstToken = chunk.receivedAt;
    state.pushing = chunk.receivedAt;
    push0.call(this, chunk);
  };
  const guardProto = ReplyGuard.prototype as unknown as { enqueueSentence(sentence: string): void };
  const enqueueSentence0 = guardProto.enqueueSentence;
  guardProto.enqueueSentence = function (this: ReplyGuard, sentence: string) {
    const state = states.get(this);
    if (state && state.rawFirstSentence === null) state.rawFirstSentence = state.pushing;
    enqueueSentence0.call(this, sentence);
  };
  const observe0 = Histogram.prototype.observe;
  Histogram.prototype.observe = function (this: Histogram, value: number) {
    if (this.name === LOCAL_CHECK) probe.localCheckMs.push(value * 1000);
    else if (this.name === MODERATION) probe.moderationMs.push(value * 1000);
    observe0.call(this, value);
  };
  const analyse0 = OpenAIAnalysis.prototype.analyse;
  OpenAIAnalysis.prototype.analyse = async function (this: OpenAIAnalysis, ...args: Parameters<OpenAIAnalysis["analyse"]>) {
    const t = performance.now();
    try {
      const out = await analyse0.apply(this, args);
      probe.analyses.push({ ms: performance.now() - t, ok: true });
      return out;
    } catch (err) {
      probe.analyses.push({ ms: performance.now() - t, ok: false });
      throw err;
    }
  };
  return probe;
}

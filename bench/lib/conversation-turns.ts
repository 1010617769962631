/**
 * The conversations bench's per-turn figures, from the turn marks the runtime
 * stored on each conversation (machines/turn-latency.ts) plus the two probes'
 * raw timelines: when each model request was made (llm-request-probe.ts) and,
 * for a reply the safety guard held, the model's chunk that completed the
 * first sentence and the sentence's release (post-call-probe.ts).
 *
 * The runtime's share of a turn is (final transcript → request made) +
 * (first sentence complete → TTS command): the model's time out and its
 * token pacing to a whole sentence are the model's; the guard's hold, the
 * splitter and the command are the runtime's. With OpenAI TTS the command
 * waits on the render, so the share ends at the sentence passed on.
 */
import { turnLatencies } from "../../machines/turn-latency.ts";
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import type { LlmRequestTimes } from "./llm-request-probe.ts";
import type { GuardedReply } from "./post-call-probe.ts";

export interface TurnFigures {
  /** Conversations by outcome ("still live" and "no view" included). */
  outcomes: Map<string, number>;
  turnCount: number;
  /** Turns in flight across the bench's one forced full collection, left out. */
  gcTurns: number;
  /** The runtime's share, ms (see above). */
  share: number[];
  /** Final transcript → first TTS command, raw. */
  shareRaw: number[];
  requestDelay: number[];
  /** LLM request → first chunk, as the runtime saw it. */
  serviceSeen: number[];
  guardHold: number[];
  /** Guarded turns: the model's first chunk → the chunk completing the first sentence. */
  rawTokenToSentence: number[];
  llmToFirstToken: number[];
  tokenToSentence: number[];
  sentenceToTts: number[];
  v2v: number[];
  eosToFinal: number[];
  ttsToPlayback: number[];
}

export interface TurnSources {
  llmCalls: LlmRequestTimes;
  guarded: Map<number, GuardedReply>;
  /** The forced full collection at peak, [start, end] ms; null when none ran. */
  gcWindow: [number, number] | null;
  tts: "flite" | "openai";
}

export function turnFigures(views: Array<ConversationView | null>, src: TurnSources): TurnFigures {
  const f: TurnFigures = {
    outcomes: new Map(),
    turnCount: 0,
    gcTurns: 0,
    share: [],
    shareRaw: [],
    requestDelay: [],
    serviceSeen: [],
    guardHold: [],
    rawTokenToSentence: [],
    llmToFirstToken: [],
    tokenToSentence: [],
    sentenceToTts: [],
    v2v: [],
    eosToFinal: [],
    ttsToPlayback: [],
  };
  const gw = src.gcWindow;
  for (const v of views) {
    const outcome = v ? (v.live ? "still live" : String(v.context.outcome)) : "no view";
    f.outcomes.set(outcome, (f.outcomes.get(outcome) ?? 0) + 1);
    for (const t of v?.context.turns ?? []) {
      f.turnCount++;
      // A turn in flight across the bench's one forced full collection (memory at peak) is left out.
      const k = t.marks;
      if (gw && k.endOfSpeech !== null && k.endOfSpeech <= gw[1] && (k.playbackStarted ?? Infinity) >= gw[0]) {
        f.gcTurns++;
        continue;
      }
      const m = turnLatencies(t.marks);
      // The safety guard re-stamps the sentences it passes on but keeps the turn's first-token mark the
      // model's own first chunk; the probe keys by it the chunk that completed the first sentence and its release.
      const guarded = k.llmFirstToken !== null ? src.guarded.get(k.llmFirstToken) : undefined;
      const modelFirst = guarded ? guarded.rawFirstToken : k.llmFirstToken;
      const calledAt = modelFirst !== null ? src.llmCalls.get(modelFirst) : undefined;
      if (calledAt !== undefined && modelFirst !== null && k.finalTranscript !== null && k.firstSentence !== null && k.ttsCommand !== null) {
        f.requestDelay.push(calledAt - k.finalTranscript);
        f.serviceSeen.push(modelFirst - calledAt);
        // The model's pacing to a whole first sentence is the model's; from there on the time is the runtime's:
        // the guard's hold (checks, in order), the splitter, the TTS command. With OpenAI TTS, first sentence →
        // command is the TTS service's render (first byte 150 ms and the rest of the file), shown apart.
        const sentenceDone = guarded ? guarded.rawFirstSentence : k.firstSentence;
        if (guarded) {
          f.guardHold.push(guarded.released - guarded.rawFirstSentence);
          f.rawTokenToSentence.push(guarded.rawFirstSentence - guarded.rawFirstToken);
        }
        f.share.push(calledAt - k.finalTranscript + (src.tts === "openai" ? k.firstSentence - sentenceDone : k.ttsCommand - sentenceDone));
      }
      if (m.finalToTtsCommandMs !== null) f.shareRaw.push(m.finalToTtsCommandMs);
      if (m.finalToFirstTokenMs !== null) f.llmToFirstToken.push(m.finalToFirstTokenMs);
      if (m.firstTokenToFirstSentenceMs !== null) f.tokenToSentence.push(m.firstTokenToFirstSentenceMs);
      if (m.firstSentenceToTtsCommandMs !== null) f.sentenceToTts.push(m.firstSentenceToTtsCommandMs);
      if (m.voiceToVoiceMs !== null) f.v2v.push(m.voiceToVoiceMs);
      if (m.endOfSpeechToFinalMs !== null) f.eosToFinal.push(m.endOfSpeechToFinalMs);
      if (m.ttsCommandToPlaybackMs !== null) f.ttsToPlayback.push(m.ttsCommandToPlaybackMs);
    }
  }
  return f;
}

/**
 * The live API's server messages, field for field. Shapes from @deepgram/sdk
 * 5.13 (listen/resources/v1/types/ListenV1{Results,SpeechStarted,UtteranceEnd,
 * Metadata}.d.mts); key order and values as in real captures (jambonz
 * feature-server#1368, livekit/agents#931, pipecat#1261 logs; the Metadata
 * example in developers.deepgram.com/docs/close-stream).
 */

import type { HeardWord, RecognitionEvent } from "./recogniser.ts";

export interface ModelInfo {
  name: string;
  version: string;
  arch: string;
  uuid: string;
}

/** Names as the service reports them: nova-3 → "general-nova-3", nova-2 → "2-general-nova". */
export function modelInfo(model: string): ModelInfo {
  const nova3 = /^nova-3(?:-(.+))?$/.exec(model);
  if (nova3) {
    const variant = nova3[1] ?? "general";
    return { name: `${variant}-nova-3`, version: "2025-04-17.21547", arch: "nova-3", uuid: variant === "general" ? "40bd3654-e622-47c4-a111-63a61b23bfe8" : stableUuid(model) };
  }
  const nova2 = /^nova-2(?:-(.+))?$/.exec(model);
  if (nova2) {
    const variant = nova2[1] ?? "general";
    return { name: `2-${variant}-nova`, version: "2023-11-21.25539", arch: "nova-2", uuid: variant === "general" ? "6cc5d67a-4cb5-413c-9336-519017c4f856" : stableUuid(model) };
  }
  return { name: model, version: "2024-01-09.29447", arch: "base", uuid: stableUuid(model) };
}

function stableUuid(seed: string): string {
  const hex = new Bun.CryptoHasher("sha1").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface MessageContext {
  requestId: string;
  model: ModelInfo;
  punctuate: boolean;
  /** `channel_index` / `channel`: [this channel, channel count]. */
  channel: [number, number];
}

export function eventMessage(event: RecognitionEvent, ctx: MessageContext): string {
  switch (event.kind) {
    case "speech_started":
      return JSON.stringify({ type: "SpeechStarted", channel: ctx.channel, timestamp: event.timestamp });
    case "utterance_end":
      return JSON.stringify({ type: "UtteranceEnd", channel: ctx.channel, last_word_end: event.lastWordEnd });
    case "result":
      return JSON.stringify({
        type: "Results",
        channel_index: ctx.channel,
        duration: event.duration,
        start: event.start,
        is_final: event.isFinal,
        speech_final: event.speechFinal,
        channel: { alternatives: [alternative(event.words, ctx.punctuate)] },
        metadata: {
          request_id: ctx.requestId,
          model_info: { name: ctx.model.name, version: ctx.model.version, arch: ctx.model.arch },
          model_uuid: ctx.model.uuid,
        },
        from_finalize: event.fromFinalize,
      });
  }
}

function alternative(words: HeardWord[], punctuate: boolean) {
  // Empty results carry confidence 0 (pipecat#1261 capture); otherwise the mean of the words'.
  const confidence = words.length === 0 ? 0 : words.reduce((sum, w) => sum + w.confidence, 0) / words.length;
  return {
    transcript: words.map((w) => (punctuate ? w.punctuated : w.word)).join(" "),
    confidence,
    words: words.map((w) =>
      // punctuated_word appears only with punctuate / smart_format (absent in the plain nova-3 capture, jambonz#1368).
      punctuate
        ? { word: w.word, start: w.start, end: w.end, confidence: w.confidence, punctuated_word: w.punctuated }
        : { word: w.word, start: w.start, end: w.end, confidence: w.confidence },
    ),
  };
}

export interface StreamSummary {
  requestId: string;
  model: ModelInfo;
  /** SHA-256 (hex) of the audio received. */
  sha256: string;
  created: Date;
  durationSec: number;
  channels: number;
}

/** Sent after CloseStream, before the close (developers.deepgram.com/docs/close-stream). */
export function metadataMessage(s: StreamSummary): string {
  return JSON.stringify({
    type: "Metadata",
    transaction_key: "deprecated",
    request_id: s.requestId,
    sha256: s.sha256,
    created: s.created.toISOString(),
    duration: s.durationSec,
    // The docs' example of a stream that got no audio reports 0 channels.
    channels: s.durationSec > 0 ? s.channels : 0,
    models: [s.model.uuid],
    model_info: { [s.model.uuid]: { name: s.model.name, version: s.model.version, arch: s.model.arch } },
  });
}

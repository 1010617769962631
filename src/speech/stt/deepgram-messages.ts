/**
 * Deepgram live server messages → SttEvent. The SDK hands over whatever the
 * server sent, parsed or not (@deepgram/sdk 5 CustomClient.mjs
 * setupBinaryHandling: JSON text is parsed, text that is not JSON is passed as
 * the raw string, binary as a Blob) and types it as the union of
 * ListenV1Results | ListenV1Metadata | ListenV1UtteranceEnd |
 * ListenV1SpeechStarted without checking. So every message is checked here;
 * one that does not match is reported as skipped, never trusted.
 */

import { z } from "zod";
import type { SttEvent } from "./types.ts";

const seconds = z.number().finite().nonnegative();

const word = z.object({
  word: z.string(),
  start: seconds,
  end: seconds,
  confidence: z.number(),
  punctuated_word: z.string().optional(),
});

/** ListenV1Results (listen/resources/v1/types/ListenV1Results.d.mts): flags are optional there. */
const results = z.object({
  type: z.literal("Results"),
  start: seconds,
  duration: seconds,
  is_final: z.boolean().optional(),
  speech_final: z.boolean().optional(),
  from_finalize: z.boolean().optional(),
  channel: z.object({
    alternatives: z.array(z.object({ transcript: z.string(), confidence: z.number(), words: z.array(word) })),
  }),
});

const speechStarted = z.object({ type: z.literal("SpeechStarted"), timestamp: seconds });
const utteranceEnd = z.object({ type: z.literal("UtteranceEnd"), last_word_end: seconds });
const metadata = z.object({ type: z.literal("Metadata"), request_id: z.string() });

const serverMessage = z.discriminatedUnion("type", [results, speechStarted, utteranceEnd, metadata]);

export type MappedMessage =
  | { kind: "event"; event: SttEvent }
  /** Well-formed, but nothing the port carries (Metadata). */
  | { kind: "info"; type: string; requestId?: string }
  | { kind: "skipped"; reason: string };

export function mapDeepgramMessage(message: unknown, receivedAt: number): MappedMessage {
  if (typeof message === "string") return { kind: "skipped", reason: "text that is not JSON" };
  if (typeof Blob !== "undefined" && message instanceof Blob) return { kind: "skipped", reason: "a binary message" };
  const parsed = serverMessage.safeParse(message);
  if (!parsed.success) {
    const type = typeof message === "object" && message !== null && "type" in message ? String((message as { type: unknown }).type) : "?";
    return { kind: "skipped", reason: `${type} message that does not match: ${parsed.error.issues[0]?.message ?? "invalid"}` };
  }
  const m = parsed.data;
  switch (m.type) {
    case "SpeechStarted":
      return { kind: "event", event: { type: "stt.speech_started", receivedAt, audioSec: m.timestamp } };
    case "UtteranceEnd":
      return { kind: "event", event: { type: "stt.utterance_end", receivedAt, lastWordEndSec: m.last_word_end } };
    case "Metadata":
      return { kind: "info", type: "Metadata", requestId: m.request_id };
    case "Results": {
      const best = m.channel.alternatives[0];
      return {
        kind: "event",
        event: {
          type: "stt.transcript",
          receivedAt,
          text: best?.transcript ?? "",
          isFinal: m.is_final ?? false,
          speechFinal: m.speech_final ?? false,
          fromFinalize: m.from_finalize ?? false,
          startSec: m.start,
          durationSec: m.duration,
          confidence: best?.confidence ?? 0,
          words: (best?.words ?? []).map((w) => ({ word: w.punctuated_word ?? w.word, startSec: w.start, endSec: w.end, confidence: w.confidence })),
        },
      };
    }
  }
}

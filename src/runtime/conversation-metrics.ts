/**
 * The conversation pipeline's counters that live in its edges (the caller-audio
 * server, the TTS cache), read at scrape time into the runtime's gauges. The
 * per-turn histograms and the runtime's own counters are observed where the
 * conversation kind journals each notice (conversation-kind.ts).
 */
import type { MediaCounters } from "../media/index.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";

export interface ConversationMetricSources {
  media: { counters: MediaCounters; liveStreams: number };
  /** OpenAI TTS's cache, when that engine is configured. */
  tts: { stats: { hits: number; misses: number; joined: number; failures: number } } | null;
}

export function registerConversationMetrics(
  metrics: Pick<RuntimeMetrics, "mediaStreams" | "mediaFrames" | "mediaLiveStreams" | "ttsCache">,
  { media, tts }: ConversationMetricSources,
): void {
  metrics.mediaStreams.collect(() => {
    const c = media.counters;
    return [
      [{ result: "accepted" }, c.streamsAccepted],
      [{ result: "closed" }, c.streamsClosed],
      [{ result: "expired" }, c.streamsExpired],
      ...Object.entries(c.streamsRefused).map(([reason, n]): [Record<string, string>, number] => [{ result: `refused_${reason}` }, n]),
    ];
  });
  metrics.mediaFrames.collect(() => {
    const c = media.counters;
    return [
      [{ result: "in" }, c.framesIn],
      [{ result: "delivered" }, c.framesDelivered],
      [{ result: "shed" }, c.framesShed],
      [{ result: "unbound" }, c.framesUnbound],
      [{ result: "odd_sized" }, c.framesOddSized],
      [{ result: "empty" }, c.framesEmpty],
      [{ result: "text_unexpected" }, c.textFramesUnexpected],
    ];
  });
  metrics.mediaLiveStreams.collect(() => media.liveStreams);
  metrics.ttsCache.collect(() => {
    const s = tts?.stats ?? { hits: 0, misses: 0, joined: 0, failures: 0 };
    return [
      [{ result: "hit" }, s.hits],
      [{ result: "miss" }, s.misses],
      [{ result: "joined" }, s.joined],
      [{ result: "failure" }, s.failures],
    ];
  });
}

/**
 * Server-wide counters for the caller-audio edge: plain numbers the hot path
 * bumps with one add each, read by /metrics (the runtime maps them to
 * Prometheus) and by tests.
 */
import { STREAM_REFUSAL_REASONS, type FrameCounts, type StreamRefusalReason } from "./types.ts";

export interface MediaCounters extends FrameCounts {
  streamsAccepted: number;
  streamsRefused: Record<StreamRefusalReason, number>;
  streamsClosed: number;
  /** Expected streams whose token expired unused. */
  streamsExpired: number;
}

/** Every frame count at zero: a new stream's stats and the server's start. */
export function zeroFrameCounts(): FrameCounts {
  return {
    framesIn: 0,
    bytesIn: 0,
    framesDelivered: 0,
    framesShed: 0,
    framesUnbound: 0,
    framesOddSized: 0,
    framesEmpty: 0,
    textFramesUnexpected: 0,
  };
}

export function createMediaCounters(): MediaCounters {
  const streamsRefused = Object.fromEntries(STREAM_REFUSAL_REASONS.map((r) => [r, 0])) as Record<
    StreamRefusalReason,
    number
  >;
  return { streamsAccepted: 0, streamsRefused, streamsClosed: 0, streamsExpired: 0, ...zeroFrameCounts() };
}

export function totalRefused(counters: MediaCounters): number {
  let total = 0;
  for (const n of Object.values(counters.streamsRefused)) total += n;
  return total;
}

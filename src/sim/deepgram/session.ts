/**
 * One live stream on the simulated Deepgram: audio in, recognition events out
 * after the configured service latencies, control messages, the idle rule.
 *
 * Protocol facts (developers.deepgram.com):
 *   - audio is binary, control messages are JSON text: KeepAlive, Finalize,
 *     CloseStream (docs/audio-keep-alive, docs/finalize, docs/close-stream);
 *   - CloseStream: the remaining final results, then Metadata, then a normal
 *     close; an empty binary message is the legacy way of saying the same
 *     (hence "never send an empty binary frame");
 *   - 10 s with neither audio nor a text message: close 1011 with the NET-0001
 *     reason (docs/stt-troubleshooting-websocket-data-and-net-errors; reason
 *     text as seen by clients, e.g. pipecat#1113, deepgram-python-sdk#319).
 */

import type { ServerWebSocket } from "bun";
import type { ListenParams } from "./listen-params.ts";
import { eventMessage, type MessageContext, metadataMessage, modelInfo } from "./messages.ts";
import { Outbox } from "./outbox.ts";
import { LiveRecogniser, type RecognitionEvent, type RecogniserOptions } from "./recogniser.ts";

export const NET_0001_REASON = "Deepgram did not receive audio data or a text message within the timeout window. See https://dpgr.am/net0001";

/** Wall-clock delays between the audio that triggers a message and the message going out. */
export interface ServiceLatency {
  /**
   * Finalisation latency: from the last speech frame's arrival to its final
   * result (never before the audio that ends the segment — endpointing
   * silence — has arrived). Deepgram quotes "300 milliseconds or less".
   */
  finalMs: number;
  interimMs: number;
  /** SpeechStarted and UtteranceEnd. */
  eventMs: number;
  /** Results answering Finalize and CloseStream. */
  finalizeMs: number;
}

export type RecogniserTuning = Pick<RecogniserOptions, "interimIntervalMs" | "idleInterimMs" | "maxSegmentMs" | "silenceFinalMs" | "vadReleaseMs">;

export interface SessionCounters {
  audioBytes: number;
  keepAlives: number;
  finalizes: number;
  closeStreams: number;
  idleTimeouts: number;
  ignoredMessages: number;
  sent: Record<string, number>;
}

export interface SessionSocketData {
  requestId: string;
  params: ListenParams;
  session?: ListenSession;
}

export class ListenSession {
  readonly created = new Date();
  private readonly recogniser: LiveRecogniser;
  private readonly outbox: Outbox;
  private readonly audioHash = new Bun.CryptoHasher("sha256");
  private readonly ctx: MessageContext;
  private lastSpeechArrival = 0;
  private lastInbound = performance.now();
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private closing = false;
  closed = false;

  constructor(
    private readonly ws: ServerWebSocket<SessionSocketData>,
    readonly requestId: string,
    readonly params: ListenParams,
    private readonly latency: ServiceLatency,
    tuning: RecogniserTuning,
    private readonly idleTimeoutMs: number,
    private readonly counters: SessionCounters,
  ) {
    this.recogniser = new LiveRecogniser({
      sampleRate: params.sampleRate,
      interimResults: params.interimResults,
      endpointingMs: params.endpointingMs,
      utteranceEndMs: params.utteranceEndMs,
      vadEvents: params.vadEvents,
      ...tuning,
    });
    this.ctx = { requestId, model: modelInfo(params.model), punctuate: params.punctuate, channel: [0, params.channels] };
    this.outbox = new Outbox((text, type) => {
      if (this.closed) return;
      this.ws.send(text);
      this.counters.sent[type] = (this.counters.sent[type] ?? 0) + 1;
    });
    this.armIdle(idleTimeoutMs);
  }

  get audioSec(): number {
    return this.recogniser.durationSec;
  }

  onAudio(chunk: Uint8Array): void {
    if (this.closing) return; // after CloseStream nothing more is transcribed
    const now = performance.now();
    this.lastInbound = now;
    if (chunk.byteLength === 0) return this.closeStream(now);
    this.counters.audioBytes += chunk.byteLength;
    this.audioHash.update(chunk);
    const { events, speech } = this.recogniser.feed(chunk);
    if (speech) this.lastSpeechArrival = now;
    this.schedule(events, now);
  }

  onText(text: string): void {
    if (this.closing) return;
    const now = performance.now();
    this.lastInbound = now; // any text message counts against NET-0001 (its reason says so)
    let type: unknown;
    try {
      type = (JSON.parse(text) as { type?: unknown } | null)?.type;
    } catch {
      type = undefined;
    }
    if (type === "KeepAlive") this.counters.keepAlives++;
    else if (type === "Finalize") {
      this.counters.finalizes++;
      this.schedule(this.recogniser.finalize(), now);
    } else if (type === "CloseStream") this.closeStream(now);
    else this.counters.ignoredMessages++;
  }

  /** Close now, dropping whatever was still due (idle rule, injected faults, shutdown). */
  closeWith(code: number, reason: string): void {
    if (this.closed) return;
    this.closing = true;
    this.outbox.clear();
    this.ws.close(code, reason);
  }

  /** The socket is gone (either side closed it). */
  onClosed(): void {
    this.closed = this.closing = true;
    this.outbox.clear();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private closeStream(now: number): void {
    this.counters.closeStreams++;
    this.closing = true;
    this.schedule(this.recogniser.close(), now);
    const metadata = metadataMessage({
      requestId: this.requestId,
      model: this.ctx.model,
      sha256: this.audioHash.digest("hex"),
      created: this.created,
      durationSec: this.recogniser.durationSec,
      channels: this.params.channels,
    });
    this.outbox.push("Metadata", metadata, now + this.latency.finalizeMs);
    this.outbox.whenDrained(() => {
      if (!this.closed) this.ws.close(1000);
    });
  }

  private schedule(events: RecognitionEvent[], now: number): void {
    for (const event of events) {
      const interim = event.kind === "result" && !event.isFinal;
      if (event.kind === "result" && event.isFinal) this.outbox.dropInterims();
      this.outbox.push(typeOf(event), eventMessage(event, this.ctx), this.dueAt(event, now), interim);
    }
  }

  /** When (performance.now()) an event made at `now` goes out. */
  private dueAt(event: RecognitionEvent, now: number): number {
    const { finalMs, interimMs, eventMs, finalizeMs } = this.latency;
    if (event.kind !== "result") return now + eventMs;
    switch (event.cause) {
      case "interim":
      case "silence":
        return now + interimMs;
      case "finalize":
      case "close":
        return now + finalizeMs;
      case "endpoint":
      case "segment":
        return Math.max(now, this.lastSpeechArrival + finalMs);
    }
  }

  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.closing) return;
      const quiet = performance.now() - this.lastInbound;
      if (quiet + 1 < this.idleTimeoutMs) return this.armIdle(this.idleTimeoutMs - quiet);
      this.counters.idleTimeouts++;
      this.closeWith(1011, NET_0001_REASON);
    }, ms);
  }
}

function typeOf(event: RecognitionEvent): string {
  return event.kind === "result" ? "Results" : event.kind === "speech_started" ? "SpeechStarted" : "UtteranceEnd";
}

/**
 * Speech-to-text over Deepgram live, with the official SDK (@deepgram/sdk 5).
 * The same code talks to wss://api.deepgram.com and to the simulated Deepgram
 * (src/sim/deepgram/): only `baseUrl` differs.
 *
 * What the SDK does, read in its code (dist/esm/CustomClient.mjs, core/websocket/ws.mjs,
 * api/resources/listen/resources/v1/client/Socket.mjs), and what follows here:
 *   - `listen.v1.connect(args)` builds `<baseUrl>/v1/listen?<every other arg>`
 *     (booleans go out as "true"/"false") with `Authorization: Token <apiKey>`,
 *     and returns a socket that is not connected yet: `.connect()`, then
 *     `waitForOpen()`. open() returns before the socket is open, so the first
 *     words a caller says while the handshake runs are queued (bounded), not lost.
 *   - `sendMedia`/`sendKeepAlive`/`sendFinalize`/`sendCloseStream` throw unless
 *     the socket is OPEN.
 *   - `reconnectAttempts` is the reconnecting socket's maxRetries (default 30):
 *     any close other than 1000 reconnects unless it is 0. It is 0 here —
 *     recovery is the conversation's decision.
 *   - A refused handshake (e.g. 401) surfaces as a synthetic close (code 1000)
 *     followed, synchronously, by an error "Unexpected server response: 401";
 *     a transport error likewise. So close and error are gathered for one tick
 *     and reported together: stt.error, then stt.closed (code 1006 when there
 *     was no close frame).
 *   - Messages arrive parsed when they are JSON and as the raw string when not;
 *     each is checked (deepgram-messages.ts), a bad one logged and skipped.
 */

import { DeepgramClient } from "@deepgram/sdk";
import { childLog, type Logger } from "../../log.ts";
import { mapDeepgramMessage } from "./deepgram-messages.ts";
import { SttEventFanout } from "./event-fanout.ts";
import { FrameQueue } from "./frame-queue.ts";
import type { SpeechToText, SttEvent, SttStream, SttStreamOptions, SttStreamStats } from "./types.ts";

type ListenSocket = Awaited<ReturnType<DeepgramClient["listen"]["v1"]["connect"]>>;

export interface DeepgramSttConfig {
  apiKey: string;
  /** The live API's base URL; default the SDK's, wss://api.deepgram.com. The simulator's `url` in the embedded world. */
  baseUrl?: string;
  /** A KeepAlive goes out when nothing was sent for half this long; default 4000 ms (Deepgram: every 3–5 s, NET-0001 after 10 s). */
  keepAliveMs?: number;
  /** Audio held while the connection opens; default 1000 ms of it. Beyond that, frames are shed. */
  preOpenBufferMs?: number;
  /** Frames are shed while the socket has more than this queued unsent; default 1 s of audio. */
  maxBufferedBytes?: number;
  /** Handshake timeout; default 5000 ms. */
  connectTimeoutMs?: number;
  /** After CloseStream, how long the server has to send its last results and close; default 2000 ms. */
  closeTimeoutMs?: number;
}

export class DeepgramSpeechToText implements SpeechToText {
  private readonly client: DeepgramClient;

  constructor(private readonly config: DeepgramSttConfig) {
    // v5 takes the live API's base URL as `baseUrl`; without it, environment.production (wss://api.deepgram.com).
    this.client = new DeepgramClient({ apiKey: config.apiKey, ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}) });
  }

  async open(options: SttStreamOptions): Promise<DeepgramSttStream> {
    const socket = await this.client.listen.v1.connect({
      model: options.model,
      language: options.language,
      encoding: "linear16", // mod_audio_stream's L16, relayed unchanged
      sample_rate: options.sampleRate,
      channels: 1,
      interim_results: "true",
      endpointing: options.endpointingMs,
      utterance_end_ms: options.utteranceEndMs,
      vad_events: "true",
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: (this.config.connectTimeoutMs ?? 5000) / 1000,
    });
    return new DeepgramSttStream(socket, options, this.config);
  }
}

type ConnectionState = "connecting" | "open" | "closing" | "closed";

export class DeepgramSttStream implements SttStream {
  readonly stats: SttStreamStats = { framesSent: 0, framesShed: 0, bytesSent: 0 };
  /** Server messages that did not parse or match, logged and skipped. */
  messagesSkipped = 0;
  private state: ConnectionState = "connecting";
  private readonly events: SttEventFanout;
  private readonly early: FrameQueue;
  private readonly maxBufferedBytes: number;
  private readonly log: Logger;
  private keepAliveTimer: ReturnType<typeof setInterval> | null = null;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  private sentSinceKeepAliveTick = false;
  private shedding = false;
  private closeRequested = false;
  private socketClose: { code: number; reason: string } | null = null;
  private socketError: string | null = null;
  private settling = false;
  private resolveClosed!: () => void;
  private readonly closed = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(
    private readonly socket: ListenSocket,
    options: SttStreamOptions,
    private readonly config: DeepgramSttConfig,
  ) {
    this.log = childLog({ mod: "stt.deepgram", callId: options.callId });
    this.events = new SttEventFanout(this.log);
    const bytesPerSecond = options.sampleRate * 2;
    this.early = new FrameQueue(Math.round((bytesPerSecond * (config.preOpenBufferMs ?? 1000)) / 1000));
    this.maxBufferedBytes = config.maxBufferedBytes ?? bytesPerSecond;

    socket.on("message", (message) => this.onMessage(message));
    socket.on("close", (event) => this.onSocketClose(event.code, event.reason ?? ""));
    socket.on("error", (error) => this.onSocketError(error));
    socket.connect();
    socket.waitForOpen().then(
      () => this.onOpen(),
      () => {}, // the error handler reports it
    );
  }

  /** connecting → open → closing → closed. */
  get connection(): ConnectionState {
    return this.state;
  }

  /** Bytes the socket has queued but not yet written. */
  get bufferedBytes(): number {
    return this.state === "open" || this.state === "closing" ? this.socket.socket.bufferedAmount : this.early.bytes;
  }

  /** Relays the frame as it is (no copy); false when it was shed. */
  sendAudio(frame: Uint8Array): boolean {
    if (frame.byteLength === 0) return true; // an empty binary message would end the stream (Deepgram: never send one)
    if (this.state === "open") return this.transmit(frame);
    if (this.state === "connecting" && this.early.offer(frame)) return true;
    return this.shed();
  }

  finalize(): void {
    if (this.state !== "open") {
      this.log.debug({ state: this.state }, "Finalize not sent: the stream is not open");
      return;
    }
    this.sendControl(() => this.socket.sendFinalize({ type: "Finalize" }));
  }

  close(): Promise<void> {
    if (this.closeRequested || this.state === "closed") return this.closed;
    this.closeRequested = true;
    if (this.state === "open") {
      this.state = "closing";
      // Deepgram answers CloseStream with its last results and Metadata, then closes (docs/close-stream).
      if (!this.sendControl(() => this.socket.sendCloseStream({ type: "CloseStream" }))) this.socket.close();
      else this.closeTimer = setTimeout(() => this.socket.close(), this.config.closeTimeoutMs ?? 2000);
    } else if (this.state === "connecting") {
      this.state = "closing";
      this.socket.close();
    }
    return this.closed;
  }

  onEvent(handler: (event: SttEvent) => void): () => void {
    return this.events.subscribe(handler);
  }

  private transmit(frame: Uint8Array): boolean {
    if (this.socket.socket.bufferedAmount > this.maxBufferedBytes) return this.shed();
    try {
      this.socket.sendMedia(frame);
    } catch {
      return this.shed(); // not open after all
    }
    this.stats.framesSent++;
    this.stats.bytesSent += frame.byteLength;
    this.sentSinceKeepAliveTick = true;
    this.shedding = false;
    return true;
  }

  private shed(): false {
    this.stats.framesShed++;
    if (!this.shedding && this.state !== "closed") {
      this.shedding = true;
      this.log.warn({ state: this.state, buffered: this.bufferedBytes, shed: this.stats.framesShed }, "speech-to-text connection cannot take audio: shedding frames");
    }
    return false;
  }

  private sendControl(send: () => void): boolean {
    try {
      send();
      this.sentSinceKeepAliveTick = true;
      return true;
    } catch (err) {
      this.log.debug({ err }, "control message not sent");
      return false;
    }
  }

  private onOpen(): void {
    if (this.state !== "connecting") return;
    this.state = "open";
    for (const frame of this.early.drain()) this.transmit(frame);
    const every = (this.config.keepAliveMs ?? 4000) / 2;
    this.keepAliveTimer = setInterval(() => {
      if (this.state === "open" && !this.sentSinceKeepAliveTick) this.sendControl(() => this.socket.sendKeepAlive({ type: "KeepAlive" }));
      this.sentSinceKeepAliveTick = false;
    }, every);
    this.keepAliveTimer.unref?.();
  }

  private onMessage(message: unknown): void {
    const receivedAt = performance.now();
    const mapped = mapDeepgramMessage(message, receivedAt);
    if (mapped.kind === "event") this.events.emit(mapped.event);
    else if (mapped.kind === "info") this.log.debug({ type: mapped.type, requestId: mapped.requestId }, "Deepgram message");
    else {
      this.messagesSkipped++;
      if (this.messagesSkipped <= 5 || this.messagesSkipped % 100 === 0) {
        this.log.warn({ reason: mapped.reason, skipped: this.messagesSkipped }, "skipped a Deepgram message that does not match the protocol");
      }
    }
  }

  private onSocketClose(code: number, reason: string): void {
    this.socketClose ??= { code, reason };
    this.settleSoon();
  }

  private onSocketError(error: Error): void {
    this.socketError ??= error.message || "WebSocket error";
    this.settleSoon();
  }

  /** The SDK reports a failure as a close then an error in one go: wait for both. */
  private settleSoon(): void {
    if (this.settling) return;
    this.settling = true;
    queueMicrotask(() => this.settle());
  }

  private settle(): void {
    if (this.state === "closed") return;
    const expected = this.closeRequested;
    this.state = "closed";
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.early.drain();
    const receivedAt = performance.now();
    const { code, reason } = this.socketClose ?? { code: 1006, reason: "" };
    if (this.socketError !== null) {
      this.log.warn({ error: this.socketError }, "speech-to-text stream failed");
      this.events.emit({ type: "stt.error", receivedAt, message: `Deepgram stream failed: ${this.socketError}` });
      this.events.emit({ type: "stt.closed", receivedAt, code: 1006, reason: this.socketError });
    } else if (!expected || code !== 1000) {
      this.log.warn({ code, reason }, "Deepgram closed the stream");
      this.events.emit({ type: "stt.error", receivedAt, message: `Deepgram closed the stream: ${code}${reason ? ` ${reason}` : ""}` });
      this.events.emit({ type: "stt.closed", receivedAt, code, reason });
    } else {
      this.events.emit({ type: "stt.closed", receivedAt, code, reason });
    }
    this.resolveClosed();
  }
}

/**
 * MediaServer: the WebSocket server FreeSWITCH's mod_audio_stream connects to
 * with a call's audio (`uuid_audio_stream <uuid> start <url> mono 16k <metadata>`).
 *
 * The runtime expects a stream before it sends `start`: expect() returns the
 * URL to put in the command, with a fresh single-use token (stream-url.ts,
 * stream-token.ts). An upgrade is admitted only for a call expected now with
 * its current token; anything else is answered with an HTTP status instead of
 * the 101 and counted by reason. libwsc reads any answer but a 101 with
 * Sec-WebSocket-Accept as CONNECT_FAILED (libwsc 09d18e5 WebSocketContext::
 * handleRead), so the switch fires `mod_audio_stream::error` code 6 "WebSocket
 * upgrade failed" for the call — as the capture's /reject/ (404) shows.
 *
 * Each admitted connection becomes an AudioStream (audio-stream.ts) bound to
 * its call's sink and event handler. One housekeeping timer expires unused
 * tokens and notices silent streams; nothing runs per frame but the frame's
 * own handling. stop() closes every stream with 1001 (going away).
 */
import type { Server, ServerWebSocket } from "bun";
import { childLog } from "../log.ts";
import { AudioStream, type StreamBinding } from "./audio-stream.ts";
import { ExpectedStreams } from "./expected-streams.ts";
import { createMediaCounters, type MediaCounters } from "./media-counters.ts";
import { assertSwitchReachableHost, isStreamCallId, parseStreamTarget, redactedPath, streamUrl } from "./stream-url.ts";
import { ThrottledLog } from "../log-throttle.ts";
import type { AudioSink, AudioStreamStats, MediaStreamEvent, StreamRefusalReason } from "./types.ts";

const log = childLog({ mod: "media" });

export interface MediaServerOptions {
  /** Listen address [127.0.0.1]. */
  host?: string;
  /** Listen port; 0 = ephemeral [0]. */
  port?: number;
  /**
   * The host FreeSWITCH dials, written into stream URLs [host, or 127.0.0.1 when
   * host is a wildcard]. A name or IPv4: mod_audio_stream refuses IPv6 literals.
   */
  advertiseHost?: string;
  /** An issued token is refused after this long unused [10000]. */
  tokenTtlMs?: number;
  /** Spent tokens are remembered this long, so a replay is named (reused/expired/stale) [60000]. */
  tombstoneMs?: number;
  /** Emit media.stream_idle after this long without audio while connected; 0 = never [2000]. */
  idleMs?: number;
  /** Largest WebSocket message accepted; a bigger one closes the stream with 1009 [65536]. */
  maxMessageBytes?: number;
  /** Bun's per-socket idle timeout in seconds; Bun pings before it expires and libwsc answers [120]. */
  socketIdleTimeoutSec?: number;
  /** Frames the audio clock remembers per stream [1500 = 30 s of 20 ms frames]. */
  clockCapacity?: number;
  /** After the first audio frame, how long `media.stream_connected` waits for the metadata frame [100]. */
  metadataGraceMs?: number;
  /** How long stop() waits for streams to close before dropping them [2000]. */
  closeGraceMs?: number;
  /** Housekeeping period [idleMs/4 clamped to 50..250, or 250]. */
  housekeepingMs?: number;
}

export interface ExpectStreamOptions {
  /** The call's id: its channel UUID. */
  callId: string;
  /** Sample rate the start command asks for (16000 for `16k`). */
  sampleRate: number;
  /** Where the frames go; may be bound later with bind(). */
  sink?: AudioSink | null;
  onEvent: (event: MediaStreamEvent) => void;
}

export interface ExpectedStreamGrant {
  /** The `<url>` argument of `uuid_audio_stream <uuid> start <url> …`. */
  url: string;
  /** The token inside the URL (single use; give it to nobody else). */
  token: string;
  /** performance.now() after which the token is refused. */
  expiresAt: number;
}

interface SocketData {
  callId: string;
  binding: StreamBinding;
  stream?: AudioStream;
}

const REFUSAL_STATUS: Record<StreamRefusalReason, number> = {
  bad_path: 404,
  not_websocket: 426,
  unknown_call: 404,
  missing_token: 401,
  wrong_token: 401,
  expired_token: 401,
  reused_token: 401,
  stale_token: 401,
  shutting_down: 503,
  upgrade_failed: 400,
};

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]", ""]);

export class MediaServer {
  readonly counters: MediaCounters = createMediaCounters();
  private server: Server<SocketData> | null = null;
  private readonly expected: ExpectedStreams<StreamBinding>;
  private readonly live = new Map<string, AudioStream>();
  private readonly warnings = new ThrottledLog(log, "media: repeated warnings meanwhile");
  private housekeeping: ReturnType<typeof setInterval> | null = null;
  private stopping = false;
  private closeWaiters: Array<() => void> = [];
  private readonly host: string;
  readonly advertiseHost: string;
  private readonly idleMs: number;

  constructor(private readonly options: MediaServerOptions = {}) {
    this.host = options.host ?? "127.0.0.1";
    this.advertiseHost = options.advertiseHost ?? (WILDCARD_HOSTS.has(this.host) ? "127.0.0.1" : this.host);
    assertSwitchReachableHost(this.advertiseHost);
    this.idleMs = options.idleMs ?? 2000;
    this.expected = new ExpectedStreams<StreamBinding>({
      tokenTtlMs: options.tokenTtlMs ?? 10_000,
      tombstoneMs: options.tombstoneMs ?? 60_000,
      now: () => performance.now(),
    });
  }

  /** Listen. Resolves once the port is bound. */
  async start(): Promise<void> {
    if (this.server) return;
    this.server = Bun.serve<SocketData>({
      hostname: this.host,
      port: this.options.port ?? 0,
      fetch: (req, server) => this.upgrade(req, server),
      websocket: {
        maxPayloadLength: this.options.maxMessageBytes ?? 65_536,
        idleTimeout: this.options.socketIdleTimeoutSec ?? 120,
        // Frames are raw L16; deflate would cost CPU for little. libwsc offers it only
        // when STREAM_MESSAGE_DEFLATE is not "true" (the call's audio_stream start sets it: machines/call-commands.ts).
        perMessageDeflate: false,
        open: (ws) => this.opened(ws),
        message: (ws, message) => this.received(ws, message),
        close: (ws, code, reason) => this.closed(ws, code, reason),
      },
    });
    // Often enough for the idle notice and for a connect without metadata (which frames also drive).
    const every =
      this.options.housekeepingMs ?? (this.idleMs > 0 ? Math.min(250, Math.max(50, Math.floor(this.idleMs / 4))) : 250);
    this.housekeeping = setInterval(() => this.tick(), every);
    this.housekeeping.unref?.();
    log.info({ host: this.host, port: this.port, advertise: this.advertiseHost }, "media: caller-audio WebSocket server listening");
  }

  get port(): number {
    if (!this.server) throw new Error("media: server not started");
    return this.server.port ?? 0;
  }

  get liveStreams(): number {
    return this.live.size;
  }

  /**
   * Expect the switch's stream for a call; call it just before sending
   * `uuid_audio_stream … start`. A token still pending for the call is replaced.
   */
  expect(options: ExpectStreamOptions): ExpectedStreamGrant {
    if (!this.server) throw new Error("media: server not started");
    if (this.stopping) throw new Error("media: server is shutting down");
    if (!isStreamCallId(options.callId)) throw new Error(`media: call id ${JSON.stringify(options.callId)} cannot go in a stream URL`);
    if (!Number.isInteger(options.sampleRate) || options.sampleRate <= 0 || options.sampleRate % 8000 !== 0) {
      // mod_audio_stream.c: `sampling % 8000 != 0` is refused.
      throw new Error(`media: sample rate ${options.sampleRate} is not a multiple of 8000`);
    }
    const binding: StreamBinding = { sampleRate: options.sampleRate, sink: options.sink ?? null, onEvent: options.onEvent };
    const { token, expiresAt } = this.expected.expect(options.callId, binding);
    return { url: streamUrl(this.advertiseHost, this.port, options.callId, token), token, expiresAt };
  }

  /**
   * Send the call's audio to `sink` (null: nowhere) from now on. A new sink is a
   * new recogniser timeline: the stream's audio clock restarts at 0.
   * A stream expected anew (a restart) takes the sink rather than the live one
   * it is about to replace, whose audio is no longer the call's to hear.
   * false when the call has neither a live stream nor a pending one.
   */
  bind(callId: string, sink: AudioSink | null): boolean {
    const binding = this.expected.pendingBinding(callId);
    if (binding) {
      binding.sink = sink;
      return true;
    }
    const stream = this.live.get(callId);
    if (!stream) return false;
    stream.bind(sink);
    return true;
  }

  /**
   * The call is over (or its audio no longer wanted): a pending token is
   * dropped and later upgrades for the call are refused as unknown; a live
   * stream is closed with 1000. Closing from this side makes the switch fire
   * `::disconnect` and leaves its media bug attached until `stop` or hangup
   * (capture /servclose/), so prefer `uuid_audio_stream <uuid> stop` first.
   */
  release(callId: string, reason = "call ended"): void {
    this.expected.release(callId);
    this.live.get(callId)?.close(1000, reason);
  }

  /** performance.now() at which the audio at `audioSec` (recogniser time) was spoken; undefined if unknown. */
  monotonicAt(callId: string, audioSec: number): number | undefined {
    return this.live.get(callId)?.clock.monotonicAt(audioSec);
  }

  streamStats(callId: string): AudioStreamStats | undefined {
    return this.live.get(callId)?.snapshot();
  }

  /** Refuse new streams, close the live ones with 1001 (going away), stop listening. */
  async stop(): Promise<void> {
    if (!this.server || this.stopping) return;
    this.stopping = true;
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    for (const stream of this.live.values()) stream.close(1001, "switchboard shutting down");
    // Bun runs the close handler inside ws.close(), so this wait is only a safeguard.
    if (this.live.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.closeGraceMs ?? 2000);
        this.closeWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.server.stop(true);
    this.server = null;
    this.warnings.stop();
  }

  private upgrade(req: Request, server: Server<SocketData>): Response | undefined {
    if (this.stopping) return this.refuse(req, server, "shutting_down");
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return this.refuse(req, server, "not_websocket");
    const target = parseStreamTarget(req.url);
    if (!target) return this.refuse(req, server, "bad_path");
    const admission = this.expected.admit(target.callId, target.token);
    if (!admission.ok) {
      if (admission.expired) this.announceExpired(admission.expired.callId, admission.expired.binding);
      return this.refuse(req, server, admission.reason, target.callId);
    }
    const data: SocketData = { callId: target.callId, binding: admission.expected.binding };
    // The token is spent even if Bun cannot upgrade (a malformed handshake): the runtime expects anew.
    if (server.upgrade(req, { data })) return undefined;
    return this.refuse(req, server, "upgrade_failed", target.callId);
  }

  private refuse(req: Request, server: Server<SocketData>, reason: StreamRefusalReason, callId?: string): Response {
    this.counters.streamsRefused[reason]++;
    this.warnings.warn(
      `refused:${reason}`,
      { reason, callId, path: redactedPath(req.url), from: server.requestIP(req)?.address },
      "media: audio stream refused",
    );
    return new Response(null, { status: REFUSAL_STATUS[reason], headers: { Connection: "close" } });
  }

  private opened(ws: ServerWebSocket<SocketData>): void {
    // Binary messages arrive as Uint8Array views the sink takes as they are.
    ws.binaryType = "uint8array";
    const { callId, binding } = ws.data;
    const stream = new AudioStream(
      callId,
      binding,
      { close: (code, reason) => ws.close(code, reason) },
      this.counters,
      this.warnings,
      log,
      performance.now(),
      this.options.clockCapacity,
      this.options.metadataGraceMs,
    );
    ws.data.stream = stream;
    this.counters.streamsAccepted++;
    this.expected.streamOpened(callId);
    // mod_audio_stream keeps one stream per channel, so an older one still open is a leftover.
    const older = this.live.get(callId);
    this.live.set(callId, stream);
    older?.close(1000, "replaced by a newer stream");
    if (this.stopping) stream.close(1001, "switchboard shutting down");
  }

  private received(ws: ServerWebSocket<SocketData>, message: string | Uint8Array): void {
    const stream = ws.data.stream;
    if (!stream) return;
    const now = performance.now();
    if (typeof message === "string") stream.onText(message, now);
    else stream.onBinary(message, now);
  }

  private closed(ws: ServerWebSocket<SocketData>, code: number, reason: string): void {
    const stream = ws.data.stream;
    if (!stream) return;
    stream.onClose(code, reason, performance.now());
    this.counters.streamsClosed++;
    if (this.live.get(stream.callId) === stream) this.live.delete(stream.callId);
    this.expected.streamClosed(stream.callId);
    if (this.live.size === 0 && this.closeWaiters.length > 0) {
      const waiters = this.closeWaiters;
      this.closeWaiters = [];
      for (const w of waiters) w();
    }
  }

  private tick(): void {
    for (const expired of this.expected.sweep()) this.announceExpired(expired.callId, expired.binding);
    const now = performance.now();
    for (const stream of this.live.values()) stream.tick(now, this.idleMs);
  }

  private announceExpired(callId: string, binding: StreamBinding): void {
    this.counters.streamsExpired++;
    this.warnings.warn("expired", { callId }, "media: expected audio stream never connected; token expired");
    try {
      binding.onEvent({ type: "media.stream_expired", callId, receivedAt: performance.now() });
    } catch (err) {
      log.error({ err, callId }, "media: stream event handler threw");
    }
  }
}

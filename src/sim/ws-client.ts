/**
 * The WebSocket client inside mod_audio_stream: amigniter/libwsc v1.1.0
 * (09d18e5), as the simulated switch needs it, over a plain TCP socket so
 * the bytes on the wire are libwsc's own:
 *
 * - upgrade request `GET <uri> HTTP/1.1`, then `Host:<host>:<port>`,
 *   `Upgrade:websocket`, `Connection:upgrade`, `Sec-WebSocket-Key:…`,
 *   `Sec-WebSocket-Version:13`, `Origin:http://<host>:<port>`, extra headers
 *   (STREAM_EXTRA_HEADERS), each with no space after the colon
 *   (WebSocketContext::sendHandshakeRequest); no extensions header;
 * - the upgrade is accepted on `HTTP/1.1 101` plus a Sec-WebSocket-Accept
 *   header (its value is not checked); anything else is error 6
 *   "WebSocket upgrade failed";
 * - a 1 s connection timeout from the connection attempt until the upgrade
 *   (error 10 "Timeout"); a refused connection is error 6
 *   "<strerror> (system error <errno>)"; a TCP drop after the upgrade with no
 *   CLOSE is error 1 "Connection closed without WebSocket CLOSE (abnormal EOF)";
 * - frames FIN=1, RSV1=0, masked with a fresh key each (libwsc's Weyl /
 *   murmur-finaliser generator, not a CSPRNG, as in libwsc);
 * - while the upgrade is pending, data is queued (at most 1024 messages) and
 *   flushed right after the 101, before the open callback runs — so audio
 *   captured during a slow upgrade reaches the server before the metadata;
 * - PING `ping` every ping interval counted from the connection attempt, sent
 *   only once upgraded, whatever else is flowing;
 * - server PING → PONG with its payload; server CLOSE → the same code and
 *   reason echoed, then the close callback; a CLOSE we send (disconnect) waits
 *   for the server's CLOSE or EOF, at most 1 s (armCloseTimer);
 * - text messages (fragments reassembled) go to the message callback; server
 *   binary frames are dropped (mod_audio_stream registers no binary callback).
 * No TLS: mod_audio_stream's default build (USE_TLS off) connects `wss://`
 * in the clear, and so does this.
 *
 * The frame codec is ws-frames.ts, the URL and upgrade request ws-upgrade.ts;
 * this file is the connection's life: states, queue, timers, callbacks.
 */

import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { closeFrameOf, closePayload, encodeClientFrame, encoder, OP, readServerFrame, utf8 } from "./ws-frames.ts";
import { parseWsUrl, socketErrorText, upgradeAccepted, upgradeRequest } from "./ws-upgrade.ts";

export { encodeClientFrame } from "./ws-frames.ts";
export { parseWsUrl } from "./ws-upgrade.ts";

/** libwsc ErrorCode. */
export const WS_ERROR = {
  IO: 1,
  CONNECT_FAILED: 6,
  TIMEOUT: 10,
  PROTOCOL: 11,
} as const;

export interface WsClientHandlers {
  /** The upgrade completed (queued data already flushed). */
  onOpen(): void;
  /** libwsc's error callback: code and message as libwsc builds them. */
  onError(code: number, message: string): void;
  /** libwsc's close callback (the server's CLOSE, or the close handshake ending). */
  onClose(code: number, reason: string): void;
  /** A whole text message from the server. */
  onText(text: string): void;
}

export interface WsClientOptions {
  /** STREAM_HEART_BEAT: seconds between PINGs; 0 / undefined = none. */
  pingIntervalS?: number;
  /** STREAM_EXTRA_HEADERS, in order. */
  extraHeaders?: ReadonlyArray<readonly [string, string]>;
  /** libwsc connection_timeout (default 1 s). */
  connectionTimeoutMs?: number;
  /** Called with the raw upgrade request (tests). */
  onRequest?: (request: string) => void;
}

type State = "disconnected" | "connecting" | "connected" | "disconnecting";

/** libwsc MAX_QUEUE_SIZE. */
const MAX_QUEUE = 1024;
/** armCloseTimer: how long a CLOSE we sent waits for the peer. */
const CLOSE_WAIT_MS = 1000;

export class LibwscClient {
  private state: State = "disconnected";
  private socket: Socket | undefined;
  private upgraded = false;
  private readonly queue: Array<{ opcode: number; payload: Uint8Array }> = [];
  private rx: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = -1;
  private closeSent = false;
  private closeReceived = false;
  private closeCallbackFired = false;
  private protocolFailed = false;
  private finished = false;
  private timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly finishedWaiters: Array<() => void> = [];
  private handlers: WsClientHandlers | undefined;
  /** Messages dropped because the queue was full ("Send queue full—dropping packet"). */
  dropped = 0;

  constructor(
    readonly url: string,
    private readonly opts: WsClientOptions,
    handlers: WsClientHandlers,
  ) {
    this.handlers = handlers;
  }

  /** Start the connection attempt (WebSocketContext::run). */
  connect(): void {
    if (this.state !== "disconnected" || this.finished) return;
    const target = parseWsUrl(this.url);
    if (!target || target.port <= 0 || target.port > 65535) {
      this.error(WS_ERROR.CONNECT_FAILED, "Invalid host or port");
      this.finish();
      return;
    }
    this.state = "connecting";
    this.timeoutTimer = setTimeout(() => {
      this.timeoutTimer = undefined;
      if (this.upgraded || this.finished) return;
      // timeoutCallback: no WS CLOSE is possible before the upgrade.
      this.queue.length = 0;
      this.error(WS_ERROR.TIMEOUT, "Timeout");
      this.state = "disconnected";
      this.abort();
    }, this.opts.connectionTimeoutMs ?? 1000);
    const ping = this.opts.pingIntervalS ?? 0;
    if (ping > 0) {
      this.pingTimer = setInterval(() => {
        if (this.upgraded && this.state === "connected") this.writeFrame(OP.PING, encoder.encode("ping"));
      }, ping * 1000);
    }
    // bufferevent_socket_connect_hostname(..., AF_INET, …): IPv4 only.
    const sock = connect({ host: target.host, port: target.port, family: 4 });
    this.socket = sock;
    sock.setNoDelay(true);
    sock.on("connect", () => {
      const req = upgradeRequest(target, randomBytes(16).toString("base64"), this.opts.extraHeaders ?? []);
      this.opts.onRequest?.(req);
      sock.write(req);
    });
    sock.on("data", (chunk: Buffer) => this.onData(chunk));
    sock.on("error", (err: NodeJS.ErrnoException) => this.onSocketError(err));
    sock.on("close", () => this.onSocketClose());
  }

  /** CONNECTING or CONNECTED (WebSocketContext::isConnected): writes are accepted (queued while connecting). */
  isConnected(): boolean {
    return this.state === "connecting" || this.state === "connected";
  }

  get isOpen(): boolean {
    return this.state === "connected";
  }

  /** Bytes written to the socket and not yet sent (for shedding under a slow server). */
  get bufferedBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  sendBinary(data: Uint8Array): boolean {
    return this.send(OP.BINARY, data);
  }

  sendText(text: string): boolean {
    return this.send(OP.TEXT, encoder.encode(text));
  }

  /** Stop every callback (AudioStreamer::markCleanedUp). */
  clearHandlers(): void {
    this.handlers = undefined;
  }

  /**
   * WebSocketContext::stop: a graceful CLOSE 1000 "Normal closure" when
   * upgraded and connected, else an abort. Resolves once the connection is
   * gone (the peer's CLOSE or EOF, or the 1 s close timer).
   */
  disconnect(): Promise<void> {
    if (this.finished) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.finishedWaiters.push(resolve));
    if (this.state === "connected" && this.upgraded && this.socket) {
      this.close(1000, "Normal closure");
    } else {
      this.state = "disconnected";
      this.abort();
    }
    return done;
  }

  // ------------------------------------------------------------ internals

  private send(opcode: number, payload: Uint8Array): boolean {
    if (this.state === "connecting") {
      if (this.queue.length >= MAX_QUEUE) {
        this.dropped++;
        return false;
      }
      this.queue.push({ opcode, payload: payload.slice() });
      return true;
    }
    if (this.state !== "connected" || !this.upgraded) return false;
    this.writeFrame(opcode, payload);
    return true;
  }

  private writeFrame(opcode: number, payload: Uint8Array): void {
    const sock = this.socket;
    if (!sock || sock.destroyed) return;
    sock.write(encodeClientFrame(opcode, payload));
  }

  private close(code: number, reason: string): void {
    if (this.state === "disconnecting" || this.state === "disconnected") return;
    this.state = "disconnecting";
    if (this.closeSent) return;
    this.writeFrame(OP.CLOSE, closePayload(code, reason));
    this.closeSent = true;
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined;
      if (this.closeReceived) return;
      this.fireClose(1000, "Normal closure");
      this.state = "disconnected";
      this.abort();
    }, CLOSE_WAIT_MS);
  }

  private error(code: number, message: string): void {
    this.handlers?.onError(code, message);
  }

  private fireClose(code: number, reason: string): void {
    if (this.closeCallbackFired) return;
    this.closeCallbackFired = true;
    this.handlers?.onClose(code, reason);
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.finished) return;
    const stopping = this.state === "disconnecting" || this.state === "disconnected";
    if (stopping) {
      this.abort();
      return;
    }
    // During the handshake a socket error is a connect failure; after the upgrade it is IO.
    if (!this.upgraded) this.queue.length = 0;
    this.error(this.upgraded ? WS_ERROR.IO : WS_ERROR.CONNECT_FAILED, socketErrorText(err));
    this.state = "disconnecting";
    this.abort();
  }

  private onSocketClose(): void {
    if (this.finished) return;
    if (!this.upgraded) {
      if (this.state === "connecting") {
        this.queue.length = 0;
        this.error(WS_ERROR.CONNECT_FAILED, "Connection closed during handshake (EOF)");
      }
    } else if (!(this.closeReceived || this.closeSent)) {
      if (this.state !== "disconnected") {
        this.error(WS_ERROR.IO, "Connection closed without WebSocket CLOSE (abnormal EOF)");
      }
    } else {
      this.fireClose(1000, "Normal closure");
    }
    this.state = "disconnected";
    this.finish();
  }

  private onData(chunk: Buffer): void {
    if (this.finished) return;
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk]);
    if (!this.upgraded) {
      const end = this.rx.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.rx.subarray(0, end + 4).toString("latin1");
      this.rx = this.rx.subarray(end + 4);
      if (!upgradeAccepted(head)) {
        this.error(WS_ERROR.CONNECT_FAILED, "WebSocket upgrade failed");
        this.queue.length = 0;
        this.state = "disconnected";
        this.abort();
        return;
      }
      this.upgraded = true;
      this.state = "connected";
      // flushSendQueue, then the open callback.
      for (const item of this.queue.splice(0)) this.writeFrame(item.opcode, item.payload);
      this.handlers?.onOpen();
      if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
    }
    this.parseFrames();
  }

  private protocolError(closeCode: number, why: string): void {
    if (this.protocolFailed) return;
    this.protocolFailed = true;
    this.error(
      WS_ERROR.PROTOCOL,
      closeCode === 1007 ? `WebSocket invalid UTF-8 (1007): ${why}` : `WebSocket protocol error (${closeCode}): ${why}`,
    );
    this.close(closeCode, why);
  }

  private parseFrames(): void {
    while (!this.finished) {
      const frame = readServerFrame(this.rx);
      if (frame === null) return;
      const { fin, rsv, opcode, masked, payload } = frame;
      this.rx = this.rx.subarray(frame.size);
      if (rsv !== 0) return this.protocolError(1002, "Unexpected RSV bits");
      const control = (opcode & 0x08) !== 0;
      if (control && !fin) return this.protocolError(1002, "Control frame fragmented");
      if (masked) return this.protocolError(1002, "Masked frame from server");
      if (control && payload.length > 125) return this.protocolError(1002, "Control frame payload too large");
      if (opcode === OP.PING) {
        // onRxPing: PONG with the same payload, straight away.
        if (this.upgraded) this.writeFrame(OP.PONG, payload);
        continue;
      }
      if (opcode === OP.PONG) continue;
      if (opcode === OP.CLOSE) {
        this.onCloseFrame(payload);
        continue;
      }
      if (opcode !== OP.CONT && opcode !== OP.TEXT && opcode !== OP.BINARY) return this.protocolError(1002, "Unsupported opcode");
      if (opcode === OP.CONT) {
        if (this.fragmentOpcode < 0) return this.protocolError(1002, "continuation frame without initial frame");
        this.fragments.push(payload);
        if (!fin) continue;
        const whole = Buffer.concat(this.fragments);
        const op = this.fragmentOpcode;
        this.fragments = [];
        this.fragmentOpcode = -1;
        this.deliver(op, whole);
        continue;
      }
      if (this.fragmentOpcode >= 0) return this.protocolError(1002, "Received new data frame when expecting continuation frame");
      if (!fin) {
        this.fragmentOpcode = opcode;
        this.fragments = [payload];
        continue;
      }
      this.deliver(opcode, payload);
    }
  }

  private deliver(opcode: number, payload: Buffer): void {
    if (opcode !== OP.TEXT) return; // binary: no callback registered
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      this.protocolError(1007, "Invalid UTF-8 in text message");
      return;
    }
    if (this.state === "disconnecting" || this.state === "disconnected") return;
    this.handlers?.onText(text);
  }

  /** handleCloseFrame + onRxClose: echo the code and reason (1002 and no reason when invalid). */
  private onCloseFrame(payload: Buffer): void {
    const { code, reason } = closeFrameOf(payload);
    this.closeReceived = true;
    if (!this.closeSent) this.close(code, reason);
    this.fireClose(code, reason);
  }

  private abort(): void {
    const sock = this.socket;
    if (sock && !sock.destroyed) sock.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.state = "disconnected";
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.timeoutTimer = this.pingTimer = this.closeTimer = undefined;
    this.queue.length = 0;
    for (const w of this.finishedWaiters.splice(0)) w();
  }
}

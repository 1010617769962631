/**
 * EslOutboundServer: the TCP server FreeSWITCH connects to when the dialplan runs
 * `<action application="socket" data="<host>:<port> async full"/>`.
 *
 * Per connection (mod_event_socket outbound mode):
 *  1. modesl's `new esl.Connection(socket, ready)` sends `connect`; FreeSWITCH
 *     answers with the channel's CHANNEL_DATA as the reply's top-level headers,
 *     then modesl sends `event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE`
 *     (accepted only with the `full` keyword; any reply lets modesl go on);
 *  2. we send `myevents` (this channel's events) and `linger` (keep the socket
 *     after hangup so CHANNEL_HANGUP_COMPLETE is not lost), each checked for +OK;
 *  3. the session is announced with the 'channel' event.
 * A connection that fails the handshake is logged and closed; it never throws.
 * With bare `linger` FreeSWITCH never closes the socket itself: after the linger
 * notice the session delivers what is queued and then sends `exit` (autoExit).
 */
import { EventEmitter } from "node:events";
import net, { type Server, type Socket } from "node:net";
import { randomUUID } from "node:crypto";
import esl from "modesl";
import type EslEvent from "modesl/lib/esl/Event.js";
import { childLog } from "../log.ts";
import { PendingCalls, replyError, replyText, writeApi, writeCommand, type Connection } from "./calls.ts";
import { decodeOutcome, isChannelEvent, type DecodeCounters } from "./decode.ts";
import { encodeExecute, wireText } from "./encode.ts";
import { EslCommandError, EslLinkDownError } from "./errors.ts";
import { BoundedEventQueue, describeSwitchEvent, switchEventTier, type QueueLimits } from "./event-queue.ts";
import { installGuardedParser, type SkipNotice } from "./guarded-parser.ts";
import type { ChannelEvent } from "./types.ts";

installGuardedParser();

const log = childLog({ mod: "esl.outbound" });

export type ChannelDataEvent = Extract<ChannelEvent, { kind: "channel.data" }>;
export type ChannelEventHandler = (event: ChannelEvent) => void | Promise<void>;

export interface OutboundSession {
  /** The channel's Unique-ID (the call actor's id). */
  readonly uuid: string;
  /** The decoded `connect` reply. */
  readonly channelData: ChannelDataEvent;
  /** sendmsg execute on this channel; resolves with the applicationUuid on "+OK". */
  execute(app: string, arg?: string, opts?: { applicationUuid?: string; eventLock?: boolean; timeoutMs?: number }): Promise<string>;
  /** `api` over this socket (needs `full` in the dialplan). */
  api(command: string, args?: string, opts?: { timeoutMs?: number }): Promise<string>;
  /** This channel's decoded events, in order, one at a time. Returns an unsubscribe. */
  onEvent(handler: ChannelEventHandler): () => void;
  /** Send `exit` and wait for FreeSWITCH to close the socket. */
  exit(): Promise<void>;
  /** Resolves when the socket is closed. */
  readonly closed: Promise<void>;
}

export interface EslOutboundServerOptions {
  /** `connect` reply + myevents + linger must complete within this. */
  handshakeTimeoutMs?: number;
  apiTimeoutMs?: number;
  /** Send `linger` after `myevents` (default true). */
  linger?: boolean;
  /** After the linger notice, exit once queued events are delivered (default true). */
  autoExit?: boolean;
  queue?: Partial<QueueLimits>;
}

export interface EslOutboundServerEvents {
  channel: [OutboundSession];
  skipped: [SkipNotice];
}

class Session implements OutboundSession {
  readonly closed: Promise<void>;
  uuid = "";
  channelData!: ChannelDataEvent;
  private readonly calls = new PendingCalls();
  private readonly handlers: ChannelEventHandler[] = [];
  readonly queue: BoundedEventQueue<ChannelEvent>;
  private isClosed = false;
  private exiting: Promise<void> | null = null;
  private resolveClosed!: () => void;

  constructor(
    readonly conn: Connection,
    readonly socket: Socket,
    private readonly apiTimeoutMs: number,
    limits: Partial<QueueLimits> | undefined,
  ) {
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    this.queue = new BoundedEventQueue<ChannelEvent>({
      limits,
      held: true,
      tierOf: switchEventTier,
      describe: describeSwitchEvent,
      deliver: async (event) => {
        for (const handler of this.handlers) await handler(event);
      },
      onPause: () => socket.pause(),
      onResume: () => socket.resume(),
    });
  }

  markClosed(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.calls.failAll(new EslLinkDownError(`outbound socket closed: ${reason}`, reason));
    this.resolveClosed();
  }

  /** A command/reply round trip used by the handshake and exit. */
  command(text: string, timeoutMs = this.apiTimeoutMs): Promise<EslEvent> {
    if (this.isClosed) return Promise.reject(new EslLinkDownError("outbound socket closed", "closed"));
    return this.calls.call<EslEvent>(text.split("\n", 1)[0]!, timeoutMs, (ok) => writeCommand(this.conn, text, ok));
  }

  async execute(app: string, arg = "", opts: { applicationUuid?: string; eventLock?: boolean; timeoutMs?: number } = {}): Promise<string> {
    const applicationUuid = opts.applicationUuid ?? randomUUID();
    const text = wireText(encodeExecute(this.uuid, app, arg, applicationUuid, { eventLock: opts.eventLock }));
    const reply = await this.command(text, opts.timeoutMs ?? this.apiTimeoutMs);
    const err = replyError(reply);
    if (err) throw new EslCommandError(`execute ${app} on ${this.uuid} refused: ${err}`, err);
    return applicationUuid;
  }

  async api(command: string, args = "", opts: { timeoutMs?: number } = {}): Promise<string> {
    if (this.isClosed) throw new EslLinkDownError("outbound socket closed", "closed");
    const text = wireText({ via: "api", command, args });
    return this.calls.call<string>(`api ${command}`, opts.timeoutMs ?? this.apiTimeoutMs, (ok) =>
      writeApi(this.conn, text, (evt) => ok(evt.getBody() ?? "")),
    );
  }

  onEvent(handler: ChannelEventHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i !== -1) this.handlers.splice(i, 1);
    };
  }

  exit(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    if (this.exiting) return this.exiting;
    this.exiting = (async () => {
      try {
        // "+OK bye", then the disconnect notice, then FreeSWITCH closes the socket.
        await this.command("exit\n\n", 2000);
      } catch {
        // The socket is going away either way.
      }
      const timer = setTimeout(() => this.socket.destroy(), 2000);
      await this.closed;
      clearTimeout(timer);
    })();
    return this.exiting;
  }
}

export class EslOutboundServer extends EventEmitter<EslOutboundServerEvents> {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Session>();
  private readonly opts: Required<Omit<EslOutboundServerOptions, "queue">> & { queue?: Partial<QueueLimits> };
  private readonly decodeCounts: DecodeCounters = { decoded: 0, unknown: 0, malformed: 0 };
  private handshakeFailures = 0;

  constructor(options: EslOutboundServerOptions = {}) {
    super();
    this.opts = {
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
      apiTimeoutMs: options.apiTimeoutMs ?? 10_000,
      linger: options.linger ?? true,
      autoExit: options.autoExit ?? true,
      queue: options.queue,
    };
  }

  listen(opts: { host?: string; port?: number } = {}): Promise<{ port: number }> {
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    server.on("error", (err) => log.error({ err }, "outbound ESL server error"));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        const address = server.address();
        resolve({ port: typeof address === "object" && address ? address.port : 0 });
      });
    });
  }

  /** Stop listening, exit every session, close any half-open connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closing = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await Promise.all([...this.sessions].map((s) => s.exit()));
    for (const socket of this.sockets) socket.destroy();
    await closing;
  }

  stats(): { sessions: number; handshakeFailures: number; unknownEvents: number; malformedEvents: number } {
    return {
      sessions: this.sessions.size,
      handshakeFailures: this.handshakeFailures,
      unknownEvents: this.decodeCounts.unknown,
      malformedEvents: this.decodeCounts.malformed,
    };
  }

  private onConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let session: Session | null = null;
    let ready = false;
    let lastError: string | null = null;

    let conn: Connection;
    try {
      conn = new esl.Connection(socket, () => {
        ready = true;
        void this.handshake(session!, timer);
      });
    } catch (err) {
      log.warn({ err }, "outbound ESL connection could not be set up; closed");
      socket.destroy();
      this.sockets.delete(socket);
      return;
    }
    // modesl re-emits socket errors as "error"; EventEmitter2 throws one nobody listens to.
    conn.on("error", (err: unknown) => {
      lastError = err instanceof Error ? err.message : String(err);
    });
    session = new Session(conn, socket, this.opts.apiTimeoutMs, this.opts.queue);
    const s = session;
    this.sessions.add(s);

    conn.parser?.on("esl::event", (event: EslEvent, headers: Record<string, unknown>) => this.onFrame(s, event, headers));
    conn.parser?.on("skipped", (notice: SkipNotice) => this.emit("skipped", notice));

    const timer = setTimeout(() => {
      if (!ready || !s.uuid) this.failHandshake(s, `handshake timed out after ${this.opts.handshakeTimeoutMs} ms`);
    }, this.opts.handshakeTimeoutMs);

    socket.once("close", () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
      this.sessions.delete(s);
      s.queue.release();
      s.markClosed(lastError ?? "closed by peer");
    });
  }

  private async handshake(session: Session, timer: ReturnType<typeof setTimeout>): Promise<void> {
    const info = session.conn.getInfo();
    const outcome = info ? decodeOutcome(info, this.decodeCounts) : null;
    if (!outcome || !outcome.ok || outcome.event.kind !== "channel.data") {
      this.failHandshake(session, "the connect reply carried no channel data");
      return;
    }
    session.channelData = outcome.event;
    session.uuid = outcome.event.uuid;
    try {
      const myevents = await session.command("myevents\n\n");
      if (replyError(myevents)) throw new EslCommandError(`myevents refused: ${replyText(myevents)}`);
      if (this.opts.linger) {
        const linger = await session.command("linger\n\n");
        if (replyError(linger)) throw new EslCommandError(`linger refused: ${replyText(linger)}`);
      }
    } catch (err) {
      this.failHandshake(session, err instanceof Error ? err.message : String(err));
      return;
    }
    clearTimeout(timer);
    log.debug({ uuid: session.uuid }, "outbound ESL session ready");
    this.emit("channel", session);
    // Handlers registered in the 'channel' listener now receive what was queued meanwhile.
    session.queue.release();
  }

  private failHandshake(session: Session, reason: string): void {
    this.handshakeFailures++;
    log.warn({ reason, uuid: session.uuid || undefined }, "outbound ESL handshake failed; connection closed");
    session.socket.destroy();
  }

  private onFrame(session: Session, event: EslEvent, headers: Record<string, unknown>): void {
    const contentType = headers["Content-Type"];
    if (contentType === "text/disconnect-notice") {
      // Content-Disposition: linger — the channel hung up; FreeSWITCH keeps the socket until we exit.
      if (headers["Content-Disposition"] === "linger" && this.opts.autoExit) {
        void session.queue.whenIdle().then(() => session.exit());
      }
      return;
    }
    if (contentType !== "text/event-json" && contentType !== "text/event-plain" && contentType !== "text/event-xml") return;
    if (!session.uuid) return;
    const outcome = decodeOutcome(event, this.decodeCounts);
    if (!outcome.ok) return;
    const decoded = outcome.event;
    // With `full`, modesl's EXECUTE_COMPLETE subscription brings other channels' events too.
    if (isChannelEvent(decoded) && decoded.uuid === session.uuid) session.queue.push(decoded);
  }
}

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
 *
 * Anyone who can reach the port could pose as the switch, so before step 1 the
 * peer's address must be allowed and its source under its connection rate; until
 * the `vet` hook has recognised the connect reply as the switch's own (between 1
 * and 2), a session may buffer only `handshakeBytes`; and what all sessions hold
 * toward unfinished frames is capped in total (outbound-admission.ts). Refused
 * connections are closed, announced as 'refused' and logged at a bounded rate.
 * With bare `linger` FreeSWITCH never closes the socket itself: after the linger
 * notice the session delivers what is queued and then sends `exit` (autoExit).
 */
import { EventEmitter } from "node:events";
import net, { type Server, type Socket } from "node:net";
import esl from "modesl";
import type EslEvent from "modesl/lib/esl/Event.js";
import { childLog } from "../log.ts";
import { replyError, replyText, type Connection } from "./calls.ts";
import { decodeOutcome, isChannelEvent, type DecodeCounters } from "./decode.ts";
import { EslCommandError } from "./errors.ts";
import type { QueueLimits } from "./event-queue.ts";
import { installGuardedParser, parserHeldBytes, type SkipNotice } from "./guarded-parser.ts";
import {
  BufferBudget,
  ConnectionRateLimiter,
  normaliseAddress,
  RefusalLog,
  SourceAllowList,
  type OutboundRefusal,
  type OutboundRefusalReason,
} from "./outbound-admission.ts";
import { Session, type ChannelDataEvent, type OutboundSession } from "./outbound-session.ts";

export type { ChannelDataEvent, ChannelEventHandler, OutboundSession } from "./outbound-session.ts";

installGuardedParser();

const log = childLog({ mod: "esl.outbound" });


export interface EslOutboundServerOptions {
  /** `connect` reply + myevents + linger must complete within this. */
  handshakeTimeoutMs?: number;
  apiTimeoutMs?: number;
  /** Send `linger` after `myevents` (default true). */
  linger?: boolean;
  /** After the linger notice, exit once queued events are delivered (default true). */
  autoExit?: boolean;
  queue?: Partial<QueueLimits>;
  admission?: OutboundAdmissionOptions;
  /**
   * Is this connect reply the switch's own? Runs after the reply is read and
   * before `myevents`; answer a refusal reason, or null to go on.
   */
  vet?: (candidate: OutboundCandidate) => Promise<OutboundRefusalReason | null> | OutboundRefusalReason | null;
}

export interface OutboundAdmissionOptions {
  /** IPs / CIDR blocks allowed to connect (default: loopback only). */
  allow?: readonly string[];
  /** New connections per second from one source (default: unlimited). */
  ratePerSec?: number;
  /** Bytes a session may hold before it is vetted (default 64 KiB). */
  handshakeBytes?: number;
  /** Bytes all sessions may hold toward unfinished frames, summed (default 32 MiB). */
  maxBufferedBytes?: number;
  /** Connections still in their handshake at once (default 512). */
  maxPendingHandshakes?: number;
}

export interface OutboundCandidate {
  uuid: string;
  channelData: ChannelDataEvent;
  source: string;
}

export interface EslOutboundServerEvents {
  channel: [OutboundSession];
  skipped: [SkipNotice];
  refused: [OutboundRefusal];
}

const LOOPBACK = ["127.0.0.0/8", "::1"];

export class EslOutboundServer extends EventEmitter<EslOutboundServerEvents> {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Session>();
  private readonly opts: Required<Omit<EslOutboundServerOptions, "queue" | "admission" | "vet">> & {
    queue?: Partial<QueueLimits>;
    vet?: EslOutboundServerOptions["vet"];
  };
  private readonly decodeCounts: DecodeCounters = { decoded: 0, unknown: 0, malformed: 0 };
  private handshakeFailures = 0;
  private readonly allowList: SourceAllowList;
  private readonly rateLimiter: ConnectionRateLimiter | null;
  private readonly budget: BufferBudget;
  private readonly handshakeBytes: number;
  private readonly maxPendingHandshakes: number;
  private pendingHandshakes = 0;
  private readonly refusals = new Map<OutboundRefusalReason, number>();
  private readonly refusalLog = new RefusalLog(log);

  constructor(options: EslOutboundServerOptions = {}) {
    super();
    this.opts = {
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
      apiTimeoutMs: options.apiTimeoutMs ?? 10_000,
      linger: options.linger ?? true,
      autoExit: options.autoExit ?? true,
      queue: options.queue,
      vet: options.vet,
    };
    const a = options.admission ?? {};
    this.allowList = new SourceAllowList(a.allow ?? LOOPBACK);
    this.rateLimiter = a.ratePerSec ? new ConnectionRateLimiter(a.ratePerSec) : null;
    this.budget = new BufferBudget(a.maxBufferedBytes ?? 32 * 1024 * 1024);
    this.handshakeBytes = a.handshakeBytes ?? 64 * 1024;
    this.maxPendingHandshakes = a.maxPendingHandshakes ?? 512;
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
    this.refusalLog.stop();
    await closing;
  }

  stats(): {
    sessions: number;
    handshakeFailures: number;
    unknownEvents: number;
    malformedEvents: number;
    bufferedBytes: number;
    refused: Partial<Record<OutboundRefusalReason, number>>;
  } {
    return {
      sessions: this.sessions.size,
      handshakeFailures: this.handshakeFailures,
      unknownEvents: this.decodeCounts.unknown,
      malformedEvents: this.decodeCounts.malformed,
      bufferedBytes: this.budget.used,
      refused: Object.fromEntries(this.refusals),
    };
  }

  private onConnection(socket: Socket): void {
    const source = normaliseAddress(socket.remoteAddress);
    // Checked before modesl writes a byte: a refused peer learns nothing.
    if (!this.allowList.allows(source)) {
      this.refuse(socket, { reason: "source_not_allowed", source }, "add the switch's address to OUTBOUND_SOCKET_ALLOW");
      return;
    }
    if (this.rateLimiter && !this.rateLimiter.take(source)) {
      this.refuse(socket, { reason: "rate_limited", source }, "raise OUTBOUND_SOCKET_RATE if this is the switch");
      return;
    }
    if (this.pendingHandshakes >= this.maxPendingHandshakes) {
      this.refuse(socket, { reason: "too_many_handshakes", source });
      return;
    }
    this.pendingHandshakes++;
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
      this.pendingHandshakes--;
      return;
    }
    // modesl re-emits socket errors as "error"; EventEmitter2 throws one nobody listens to.
    conn.on("error", (err: unknown) => {
      lastError = err instanceof Error ? err.message : String(err);
    });
    session = new Session(conn, socket, source, this.opts.apiTimeoutMs, this.opts.queue);
    const s = session;
    this.sessions.add(s);

    conn.parser?.on("esl::event", (event: EslEvent, headers: Record<string, unknown>) => this.onFrame(s, event, headers));
    conn.parser?.on("skipped", (notice: SkipNotice) => this.emit("skipped", notice));
    // Registered after the parser's own listener: runs once the chunk has been framed.
    socket.on("data", () => this.account(s));

    const timer = setTimeout(() => {
      if (!ready || !s.uuid) this.failHandshake(s, `handshake timed out after ${this.opts.handshakeTimeoutMs} ms`);
    }, this.opts.handshakeTimeoutMs);

    socket.once("close", () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
      this.sessions.delete(s);
      if (!s.vetted) this.pendingHandshakes--;
      this.budget.release(s.heldBytes);
      s.heldBytes = 0;
      s.queue.release();
      s.markClosed(lastError ?? "closed by peer");
    });
  }

  /** After each chunk: what the session now holds toward unfinished frames, against both caps. */
  private account(session: Session): void {
    if (session.socket.destroyed || !session.conn.parser) return;
    const before = session.heldBytes;
    const after = parserHeldBytes(session.conn.parser);
    session.heldBytes = after;
    if (!this.budget.update(before, after)) {
      this.refuse(session.socket, { reason: "buffer_full", source: session.source, uuid: session.uuid || undefined, detail: `${this.budget.used} bytes held` }, "raise OUTBOUND_SOCKET_MAX_BUFFER_BYTES if this is the switch");
    } else if (!session.vetted && after > this.handshakeBytes) {
      this.refuse(session.socket, { reason: "handshake_too_large", source: session.source, detail: `${after} bytes before the switch was recognised` });
    }
  }

  private refuse(socket: Socket, refusal: OutboundRefusal, hint?: string): void {
    socket.destroy();
    this.refusals.set(refusal.reason, (this.refusals.get(refusal.reason) ?? 0) + 1);
    this.refusalLog.note(refusal, hint);
    this.emit("refused", refusal);
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
    if (this.opts.vet) {
      let reason: OutboundRefusalReason | null;
      try {
        reason = await this.opts.vet({ uuid: session.uuid, channelData: session.channelData, source: session.source });
      } catch (err) {
        log.error({ err, uuid: session.uuid }, "outbound session vetting failed");
        reason = "link_down";
      }
      if (session.socket.destroyed) return;
      if (reason !== null) {
        clearTimeout(timer);
        this.refuse(session.socket, { reason, source: session.source, uuid: session.uuid });
        return;
      }
    }
    session.vetted = true;
    this.pendingHandshakes--;
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
    if (session.socket.destroyed) return;
    this.handshakeFailures++;
    this.refuse(session.socket, { reason: "handshake_failed", source: session.source, uuid: session.uuid || undefined, detail: reason });
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

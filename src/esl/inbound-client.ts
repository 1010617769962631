/**
 * EslInboundClient: the runtime's one connection to FreeSWITCH's event socket
 * (mod_event_socket, inbound mode), over modesl's `new esl.Connection(host, port, password)`.
 *
 * What it adds to modesl:
 *  - typed promises for api / bgapi / execute with timeouts; every pending call
 *    fails at once with EslLinkDownError when the socket closes (modesl never
 *    calls them back), and any call while disconnected fails immediately;
 *  - replies are correlated through modesl's FIFO reply queues, one callback per
 *    command written, so a sendmsg "+OK" can never be taken by another caller
 *    (modesl's execute() queues no callback: never used here);
 *  - bgapi correlated by our own Job-UUID (FreeSWITCH honours a client-chosen one);
 *  - reconnect with capped exponential backoff and jitter, resubscribe, then a
 *    resync against `show channels as json` (also on the first connect);
 *  - the switch's identity: its Core-UUID (`global_getvar core_uuid`, asked on
 *    every connect, since a restarted FreeSWITCH has a new one), which every event
 *    and an outbound-socket session's CHANNEL_DATA also carry;
 *  - decoded, typed events delivered in order through a bounded queue that
 *    pauses the socket when the consumer falls behind (event-queue.ts).
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import esl from "modesl";
import type EslEvent from "modesl/lib/esl/Event.js";
import { childLog } from "../log.ts";
import { customSubscription, decodeOutcome, isChannelEvent, KNOWN_EVENT_NAMES, type DecodeCounters } from "./decode.ts";
import { encodeCommand, encodeExecute, wireText, type WireInstruction } from "./encode.ts";
import { isErrorText, PendingCalls, replyError, replyText, writeApi, writeCommand, type Connection } from "./calls.ts";
import { EslAuthError, EslCommandError, EslLinkDownError } from "./errors.ts";
import { BoundedEventQueue, describeSwitchEvent, switchEventTier, type QueueLimits } from "./event-queue.ts";
import { installGuardedParser, type SkipNotice } from "./guarded-parser.ts";
import { parseShowChannels } from "./show-channels.ts";
import type {
  BackgroundJobEvent,
  ChannelSummary,
  CommandOutcome,
  ResyncReport,
  SwitchCommand,
  SwitchEvent,
} from "../../machines/switch/index.ts";

installGuardedParser();

const log = childLog({ mod: "esl.inbound" });

export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** ± fraction of the delay added at random, so many clients do not reconnect in step. */
  jitter: number;
}

export interface EslInboundClientOptions {
  host: string;
  port: number;
  password: string;
  /** Event-Names to subscribe to (`event json …`); default: every event decode.ts knows. */
  events?: string[];
  /**
   * CUSTOM subclasses to subscribe to (e.g. mod_audio_stream::connect), sent in a
   * second `event json CUSTOM …` command: every word after CUSTOM is a subclass.
   * Default none.
   */
  customSubclasses?: string[];
  reconnect?: Partial<ReconnectPolicy>;
  apiTimeoutMs?: number;
  /** bgapi waits for BACKGROUND_JOB: originate can ring 60 s before it answers. */
  bgapiTimeoutMs?: number;
  /** TCP connect + auth must finish within this, or the attempt is abandoned and retried. */
  connectTimeoutMs?: number;
  queue?: Partial<QueueLimits>;
}

export interface EslClientStats {
  framesDecoded: number;
  eventsDelivered: number;
  unknownEvents: number;
  skippedFrames: number;
  malformedEvents: number;
  droppedEvents: number;
  queueDepth: number;
  reconnects: number;
  pausedCount: number;
}

export interface DisconnectInfo {
  reason: string;
}

export interface EslInboundClientEvents {
  connected: [];
  disconnected: [DisconnectInfo];
  resync: [ResyncReport];
  skipped: [SkipNotice];
}

export type SwitchEventHandler = (event: SwitchEvent) => void | Promise<void>;

interface PendingJob {
  ok(event: BackgroundJobEvent): void;
  fail(err: Error): void;
}

const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 10_000, jitter: 0.2 };
/** How many destroyed channel ids are remembered so a late event cannot resurrect one. */
const RECENTLY_DESTROYED_MAX = 4096;
/** A channel UUID as FreeSWITCH writes one (or an origination_uuid we chose): safe as one api argument. */
const CHANNEL_UUID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class EslInboundClient extends EventEmitter<EslInboundClientEvents> {
  private readonly opts: Required<Omit<EslInboundClientOptions, "reconnect" | "queue" | "events" | "customSubclasses">> & {
    reconnect: ReconnectPolicy;
    events: string[];
    customSubclasses: string[];
  };
  private conn: Connection | null = null;
  private socket: Socket | null = null;
  private link: "down" | "handshake" | "up" = "down";
  private stopped = true;
  private everUp = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private startWaiter: { resolve(): void; reject(err: Error): void } | null = null;
  private startPromise: Promise<void> | null = null;
  private readonly calls = new PendingCalls();
  private readonly jobs = new Map<string, PendingJob>();
  /** Channels we know to be up: uuid → performance.now() when first seen. */
  private readonly channels = new Map<string, number>();
  private readonly recentlyDestroyed = new Set<string>();
  private resyncWindow: { startedAt: number; destroyed: Set<string> } | null = null;
  private readonly handlers: SwitchEventHandler[] = [];
  private readonly queue: BoundedEventQueue<SwitchEvent>;
  private readonly decodeCounts: DecodeCounters = { decoded: 0, unknown: 0, malformed: 0 };
  private readonly counters = { framesDecoded: 0, skippedFrames: 0, reconnects: 0 };
  private switchCoreUuid: string | null = null;

  constructor(options: EslInboundClientOptions) {
    super();
    this.opts = {
      host: options.host,
      port: options.port,
      password: options.password,
      events: [...(options.events ?? KNOWN_EVENT_NAMES)],
      customSubclasses: [...(options.customSubclasses ?? [])],
      reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
      apiTimeoutMs: options.apiTimeoutMs ?? 10_000,
      bgapiTimeoutMs: options.bgapiTimeoutMs ?? 70_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    };
    for (const name of [...this.opts.events, ...this.opts.customSubclasses]) {
      if (!/^[A-Za-z0-9_:]+$/.test(name)) throw new EslCommandError(`invalid event name ${JSON.stringify(name)}`);
    }
    this.queue = new BoundedEventQueue<SwitchEvent>({
      limits: options.queue,
      tierOf: switchEventTier,
      describe: describeSwitchEvent,
      deliver: (event) => this.deliver(event),
      onPause: () => this.socket?.pause(),
      onResume: () => this.socket?.resume(),
    });
  }

  // ------------------------------------------------------------ lifecycle

  /** Connect and authenticate; resolves on the first successful auth (+ subscription and resync). */
  start(): Promise<void> {
    if (this.startPromise) return this.startPromise;
    this.stopped = false;
    this.startPromise = new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
    });
    this.openLink();
    return this.startPromise;
  }

  /** Say `exit`, close the socket, fail what is pending, stop reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.settleStart(new EslLinkDownError("client stopped before it connected", "stopped"));
    const socket = this.socket;
    const conn = this.conn;
    if (socket && conn && !socket.destroyed) {
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      try {
        socket.write("exit\n\n");
        socket.end();
      } catch {
        socket.destroy();
      }
      const timer = setTimeout(() => socket.destroy(), 1000);
      await closed;
      clearTimeout(timer);
    }
    this.failPending(new EslLinkDownError("client stopped", "stopped"));
    this.startPromise = null;
  }

  get connected(): boolean {
    return this.link === "up";
  }

  /** The connected switch's Core-UUID (FreeSWITCH makes a new one at every start); null until learned. */
  get coreUuid(): string | null {
    return this.switchCoreUuid;
  }

  // ------------------------------------------------------------ commands

  /** `api <command> <args>` → the api/response body. */
  async api(command: string, args = "", opts: { timeoutMs?: number } = {}): Promise<string> {
    const conn = this.requireUp();
    const text = wireText({ via: "api", command, args });
    return this.calls.call<string>(`api ${command}`, opts.timeoutMs ?? this.opts.apiTimeoutMs, (ok) => {
      writeApi(conn, text, (evt) => ok(evt.getBody() ?? ""));
    });
  }

  /** `bgapi <command> <args>` with our Job-UUID → the BACKGROUND_JOB event that answers it. */
  async bgapi(command: string, args = "", opts: { timeoutMs?: number; jobUuid?: string } = {}): Promise<BackgroundJobEvent> {
    const conn = this.requireUp();
    const jobUuid = opts.jobUuid ?? randomUUID();
    const text = wireText({ via: "bgapi", command, args }, { jobUuid });
    if (this.jobs.has(jobUuid)) throw new EslCommandError(`a bgapi job ${jobUuid} is already pending`);
    try {
      return await this.calls.call<BackgroundJobEvent>(`bgapi ${command}`, opts.timeoutMs ?? this.opts.bgapiTimeoutMs, (ok, fail) => {
        this.jobs.set(jobUuid, { ok, fail });
        writeCommand(conn, text, (evt) => {
          // "+OK Job-UUID: <uuid>" comes first; the result follows as BACKGROUND_JOB.
          const err = replyError(evt);
          if (err) fail(new EslCommandError(`bgapi ${command} refused: ${err}`, err));
        });
      });
    } finally {
      this.jobs.delete(jobUuid);
    }
  }

  /**
   * Run a dialplan application on a channel (sendmsg call-command: execute);
   * resolves with the applicationUuid once FreeSWITCH answers "+OK" (the app is
   * then queued; CHANNEL_EXECUTE_COMPLETE with the same Application-UUID tells when it ended).
   */
  async execute(
    uuid: string,
    app: string,
    arg = "",
    opts: { applicationUuid?: string; eventLock?: boolean; timeoutMs?: number } = {},
  ): Promise<string> {
    const conn = this.requireUp();
    const applicationUuid = opts.applicationUuid ?? randomUUID();
    const instr = encodeExecute(uuid, app, arg, applicationUuid, { eventLock: opts.eventLock });
    const reply = await this.sendmsg(conn, instr, opts.timeoutMs ?? this.opts.apiTimeoutMs);
    if (reply.startsWith("-")) throw new EslCommandError(`execute ${app} on ${uuid} refused: ${reply}`, reply);
    return applicationUuid;
  }

  /** Encode and send a SwitchCommand; see CommandOutcome for what comes back. */
  async send(cmd: SwitchCommand): Promise<CommandOutcome> {
    const instr = encodeCommand(cmd);
    const conn = this.requireUp();
    if (instr.via === "sendmsg") {
      const reply = (await this.sendmsg(conn, instr, this.opts.apiTimeoutMs)).trim();
      return reply.startsWith("-") ? { ok: false, type: cmd.type, error: reply } : { ok: true, type: cmd.type, reply };
    }
    if (instr.via === "api") {
      const body = (await this.api(instr.command, instr.args)).trim();
      return isErrorText(body) ? { ok: false, type: cmd.type, error: body } : { ok: true, type: cmd.type, reply: body };
    }
    // bgapi: originate. The job can ring for originate_timeout seconds before it answers.
    const ringMs = cmd.type === "originate" && cmd.timeoutSec !== undefined ? cmd.timeoutSec * 1000 + 10_000 : 0;
    const job = await this.bgapi(instr.command, instr.args, { timeoutMs: Math.max(this.opts.bgapiTimeoutMs, ringMs) });
    const body = job.body.trim();
    if (isErrorText(body)) {
      const cause = /^-ERR\s+([A-Z0-9_]+)/.exec(body)?.[1];
      return cause ? { ok: false, type: cmd.type, error: body, cause } : { ok: false, type: cmd.type, error: body };
    }
    const uuid = /^\+OK\s+(\S+)/.exec(body)?.[1];
    if (uuid) this.trackChannel(uuid);
    return uuid ? { ok: true, type: cmd.type, reply: body, uuid } : { ok: true, type: cmd.type, reply: body };
  }

  /**
   * Does the switch have this channel? Known from events, else asked
   * (`uuid_exists`: the channel can be newer than the events we have read).
   */
  async hasChannel(uuid: string): Promise<boolean> {
    if (!CHANNEL_UUID.test(uuid)) return false;
    if (this.channels.has(uuid)) return true;
    return (await this.api("uuid_exists", uuid)).trim() === "true";
  }

  /** The switch's live channels (`show channels as json`). */
  async showChannels(): Promise<ChannelSummary[]> {
    return parseShowChannels(await this.api("show", "channels as json"));
  }

  // ------------------------------------------------------------ events and state

  /** Register a consumer; events arrive in order, one at a time (async handlers are awaited). Returns an unsubscribe. */
  onEvent(handler: SwitchEventHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i !== -1) this.handlers.splice(i, 1);
    };
  }

  /** Channels this client believes are up (from the events it decoded, trackChannel and resyncs). */
  knownChannels(): Set<string> {
    return new Set(this.channels.keys());
  }

  /** Register a channel id the runtime originated, so a resync can report it survived or vanished. */
  trackChannel(uuid: string): void {
    if (!this.channels.has(uuid)) this.channels.set(uuid, performance.now());
  }

  stats(): EslClientStats {
    const q = this.queue.stats();
    return {
      framesDecoded: this.counters.framesDecoded,
      eventsDelivered: q.delivered,
      unknownEvents: this.decodeCounts.unknown,
      skippedFrames: this.counters.skippedFrames,
      malformedEvents: this.decodeCounts.malformed,
      droppedEvents: q.dropped,
      queueDepth: q.depth,
      reconnects: this.counters.reconnects,
      pausedCount: q.pausedCount,
    };
  }

  /** Resolves when every event read so far has been handed to the consumers. */
  whenDrained(): Promise<void> {
    return this.queue.whenIdle();
  }

  // ------------------------------------------------------------ the link

  private openLink(): void {
    if (this.stopped) return;
    this.link = "handshake";
    const conn = new esl.Connection(this.opts.host, this.opts.port, this.opts.password);
    const socket = conn.socket!;
    this.conn = conn;
    this.socket = socket;
    if (this.queue.isPaused) socket.pause();
    let lastError: string | null = null;
    let authError: EslAuthError | null = null;

    // modesl re-emits socket errors as "error"; EventEmitter2 throws one nobody listens to.
    conn.on("error", (err: unknown) => {
      lastError = err instanceof Error ? err.message : String(err);
      log.debug({ err: lastError }, "ESL socket error");
    });
    // The parser exists once the TCP connection is up (modesl _onConnect).
    conn.on("esl::connect", () => {
      conn.parser?.on("esl::event", (event: EslEvent, headers: Record<string, unknown>) => this.onFrame(conn, event, headers));
      conn.parser?.on("skipped", (notice: SkipNotice) => {
        this.counters.skippedFrames++;
        this.emit("skipped", notice);
      });
    });
    conn.on("esl::event::auth::fail", (evt: EslEvent) => {
      authError = new EslAuthError(String(evt.getHeader("Reply-Text") ?? "-ERR invalid"));
      log.error({ host: this.opts.host, port: this.opts.port }, "ESL authentication failed: not retrying a wrong password");
      this.stopped = true;
      this.settleStart(authError);
      socket.end();
    });
    conn.once("esl::ready", () => {
      void this.onAuthenticated(conn);
    });

    const connectTimer = setTimeout(() => {
      if (this.conn === conn && this.link === "handshake") {
        lastError = `connect/auth timed out after ${this.opts.connectTimeoutMs} ms`;
        socket.destroy();
      }
    }, this.opts.connectTimeoutMs);

    socket.once("close", () => {
      clearTimeout(connectTimer);
      if (this.conn !== conn) return;
      const wasUp = this.link === "up";
      this.link = "down";
      this.conn = null;
      this.socket = null;
      const reason = authError ? "authentication failed" : (lastError ?? "connection closed by peer");
      this.failPending(new EslLinkDownError(`ESL link down: ${reason}`, reason));
      if (this.stopped && !authError) {
        // Our own stop(): the switch closing after `exit` is expected, not a fault.
        log.info("ESL link closed");
      } else if (wasUp || authError) {
        log.warn({ reason }, "ESL link down");
        this.emit("disconnected", { reason });
      } else {
        log.debug({ reason }, "ESL connect attempt failed");
      }
      if (!this.stopped) this.scheduleReconnect();
    });
  }

  private async onAuthenticated(conn: Connection): Promise<void> {
    try {
      // modesl already sent `event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE`; subscriptions add up.
      const reply = await this.calls.call<EslEvent>("event subscription", this.opts.apiTimeoutMs, (ok) => {
        writeCommand(conn, `event json ${this.opts.events.join(" ")}\n\n`, ok);
      });
      const err = replyError(reply);
      if (err) throw new EslCommandError(`event subscription refused: ${err}`, err);
      const custom = customSubscription("json", this.opts.customSubclasses);
      if (custom !== null) {
        const customReply = await this.calls.call<EslEvent>("custom event subscription", this.opts.apiTimeoutMs, (ok) => {
          writeCommand(conn, `${custom}\n\n`, ok);
        });
        const customErr = replyError(customReply);
        if (customErr) throw new EslCommandError(`CUSTOM event subscription refused: ${customErr}`, customErr);
      }
    } catch (err) {
      if (this.conn === conn) {
        log.error({ err }, "ESL subscription failed; dropping the connection to retry");
        conn.socket?.destroy();
      }
      return;
    }
    if (this.conn !== conn) return;
    this.link = "up";
    this.attempt = 0;
    if (this.everUp) this.counters.reconnects++;
    const first = !this.everUp;
    this.everUp = true;
    await this.learnCoreUuid();
    if (this.conn !== conn) return;
    log.info({ host: this.opts.host, port: this.opts.port, reconnect: !first, coreUuid: this.switchCoreUuid }, "ESL connected");
    this.emit("connected");
    await this.resync();
    this.settleStart(null);
  }

  /** core_uuid is a global variable FreeSWITCH sets at start (switch_core_init); events carry it as Core-UUID. */
  private async learnCoreUuid(): Promise<void> {
    try {
      const value = (await this.api("global_getvar", "core_uuid")).trim();
      if (CHANNEL_UUID.test(value)) {
        this.switchCoreUuid = value;
        return;
      }
      log.warn({ value: value.slice(0, 80) }, "the switch did not tell its core_uuid; learning it from events");
    } catch (err) {
      log.warn({ err }, "global_getvar core_uuid failed; learning the switch's Core-UUID from events");
    }
    // A different switch (or a restart) may answer this time: forget the old identity.
    this.switchCoreUuid = null;
  }

  private scheduleReconnect(): void {
    const { initialDelayMs, maxDelayMs, jitter } = this.opts.reconnect;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.attempt, 30));
    const delay = Math.max(0, Math.round(base * (1 + jitter * (2 * Math.random() - 1))));
    this.attempt++;
    log.debug({ delay, attempt: this.attempt }, "ESL reconnect scheduled");
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.openLink();
    }, delay);
  }

  private settleStart(err: Error | null): void {
    const waiter = this.startWaiter;
    if (!waiter) return;
    this.startWaiter = null;
    if (err) {
      this.startPromise = null;
      waiter.reject(err);
    } else {
      waiter.resolve();
    }
  }

  /** Compare what we know with the switch's channel list; report survived / vanished / discovered. */
  private async resync(): Promise<void> {
    const startedAt = performance.now();
    const window = { startedAt, destroyed: new Set<string>() };
    this.resyncWindow = window;
    let rows: ChannelSummary[];
    try {
      rows = await this.showChannels();
    } catch (err) {
      log.warn({ err }, "ESL resync: show channels failed; known channels kept as they are");
      return;
    } finally {
      if (this.resyncWindow === window) this.resyncWindow = null;
    }
    const live = new Set(rows.map((r) => r.uuid));
    const survived: ChannelSummary[] = [];
    const discovered: ChannelSummary[] = [];
    for (const row of rows) {
      if (this.channels.has(row.uuid)) survived.push(row);
      else if (!window.destroyed.has(row.uuid)) {
        discovered.push(row);
        this.channels.set(row.uuid, startedAt);
      }
    }
    const vanished: string[] = [];
    for (const [uuid, firstSeen] of this.channels) {
      // A channel first seen after the query went out may not be in the core db yet (written asynchronously).
      if (!live.has(uuid) && firstSeen < startedAt) vanished.push(uuid);
    }
    for (const uuid of vanished) this.forgetChannel(uuid);
    const report: ResyncReport = { survived, vanished, discovered };
    log.info({ survived: survived.length, vanished: vanished.length, discovered: discovered.length }, "ESL resync");
    this.emit("resync", report);
  }

  // ------------------------------------------------------------ frames

  private onFrame(conn: Connection, event: EslEvent, headers: Record<string, unknown>): void {
    if (this.conn !== conn) return;
    const contentType = headers["Content-Type"];
    if (contentType !== "text/event-json" && contentType !== "text/event-plain" && contentType !== "text/event-xml") return;
    this.counters.framesDecoded++;
    const outcome = decodeOutcome(event, this.decodeCounts);
    if (!outcome.ok) return;
    const decoded = outcome.event;
    if (this.switchCoreUuid === null && decoded.coreUuid !== "") this.switchCoreUuid = decoded.coreUuid;
    if (decoded.kind === "background_job") {
      this.jobs.get(decoded.jobUuid)?.ok(decoded);
    } else if (isChannelEvent(decoded)) {
      this.noteChannel(decoded.kind, decoded.uuid);
    }
    this.queue.push(decoded);
  }

  private noteChannel(kind: string, uuid: string): void {
    if (kind === "channel.destroy") {
      this.forgetChannel(uuid);
      this.resyncWindow?.destroyed.add(uuid);
      return;
    }
    if (!this.channels.has(uuid) && !this.recentlyDestroyed.has(uuid)) this.channels.set(uuid, performance.now());
  }

  private forgetChannel(uuid: string): void {
    this.channels.delete(uuid);
    this.recentlyDestroyed.add(uuid);
    if (this.recentlyDestroyed.size > RECENTLY_DESTROYED_MAX) {
      const oldest = this.recentlyDestroyed.values().next().value;
      if (oldest !== undefined) this.recentlyDestroyed.delete(oldest);
    }
  }

  private async deliver(event: SwitchEvent): Promise<void> {
    for (const handler of this.handlers) await handler(event);
  }

  // ------------------------------------------------------------ plumbing

  private requireUp(): Connection {
    if (this.link !== "up" || !this.conn || !this.socket || this.socket.destroyed) {
      throw new EslLinkDownError("ESL link is down", "not connected");
    }
    return this.conn;
  }

  private failPending(err: EslLinkDownError): void {
    this.calls.failAll(err);
    this.jobs.clear();
  }

  private sendmsg(conn: Connection, instr: WireInstruction, timeoutMs: number): Promise<string> {
    const text = wireText(instr);
    const op = instr.via === "sendmsg" ? `sendmsg ${instr.headers["execute-app-name"] ?? instr.headers["call-command"] ?? ""}` : instr.via;
    return this.calls.call<string>(op, timeoutMs, (ok) => {
      writeCommand(conn, text, (evt) => ok(replyText(evt)));
    });
  }
}

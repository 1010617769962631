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
 *
 * Its options and backoff are inbound-options.ts; the ledger of the switch's
 * live channels and the resync against it are channel-ledger.ts; the event
 * subscription is event-subscription.ts; reading replies into CommandOutcomes
 * is command-outcome.ts.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { randomUUID } from "node:crypto";
import esl from "modesl";
import type EslEvent from "modesl/lib/esl/Event.js";
import { childLog } from "../log.ts";
import { decodeOutcome, isChannelEvent, type DecodeCounters } from "./decode.ts";
import { encodeCommand, encodeExecute, wireText, type WireInstruction } from "./encode.ts";
import { PendingCalls, replyError, replyText, writeApi, writeCommand, type Connection } from "./calls.ts";
import { EslAuthError, EslCommandError, EslLinkDownError } from "./errors.ts";
import { BoundedEventQueue, describeSwitchEvent, switchEventTier } from "./event-queue.ts";
import { installGuardedParser, type SkipNotice } from "./guarded-parser.ts";
import { parseShowChannels } from "./show-channels.ts";
import { ChannelLedger } from "./channel-ledger.ts";
import { apiOutcome, backgroundJobOutcome, backgroundJobTimeoutMs, sendmsgOutcome } from "./command-outcome.ts";
import { subscribeToEvents } from "./event-subscription.ts";
import {
  reconnectDelay,
  resolveInboundOptions,
  type EslClientStats,
  type EslInboundClientEvents,
  type EslInboundClientOptions,
  type ResolvedInboundOptions,
  type SwitchEventHandler,
} from "./inbound-options.ts";
import type { BackgroundJobEvent, ChannelSummary, CommandOutcome, SwitchCommand, SwitchEvent } from "../../machines/switch/index.ts";

// Options, stats and events are declared in inbound-options.ts; they stay importable from here.
export type {
  DisconnectInfo,
  EslClientStats,
  EslInboundClientEvents,
  EslInboundClientOptions,
  ReconnectPolicy,
  SwitchEventHandler,
} from "./inbound-options.ts";

installGuardedParser();

const log = childLog({ mod: "esl.inbound" });

interface PendingJob {
  ok(event: BackgroundJobEvent): void;
  fail(err: Error): void;
}

/** A channel UUID as FreeSWITCH writes one (or an origination_uuid we chose): safe as one api argument. */
const CHANNEL_UUID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class EslInboundClient extends EventEmitter<EslInboundClientEvents> {
  private readonly opts: ResolvedInboundOptions;
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
  private readonly channels = new ChannelLedger();
  private readonly handlers: SwitchEventHandler[] = [];
  private readonly queue: BoundedEventQueue<SwitchEvent>;
  private readonly decodeCounts: DecodeCounters = { decoded: 0, unknown: 0, malformed: 0 };
  private readonly counters = { framesDecoded: 0, skippedFrames: 0, reconnects: 0 };
  private switchCoreUuid: string | null = null;

  constructor(options: EslInboundClientOptions) {
    super();
    this.opts = resolveInboundOptions(options);
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
    if (instr.via === "sendmsg") return sendmsgOutcome(cmd.type, (await this.sendmsg(conn, instr, this.opts.apiTimeoutMs)).trim());
    if (instr.via === "api") return apiOutcome(cmd.type, (await this.api(instr.command, instr.args)).trim());
    const job = await this.bgapi(instr.command, instr.args, { timeoutMs: backgroundJobTimeoutMs(cmd, this.opts.bgapiTimeoutMs) });
    const outcome = backgroundJobOutcome(cmd.type, job.body.trim());
    if (outcome.ok && outcome.uuid) this.trackChannel(outcome.uuid);
    return outcome;
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
    return this.channels.known();
  }

  /** Register a channel id the runtime originated, so a resync can report it survived or vanished. */
  trackChannel(uuid: string): void {
    this.channels.track(uuid);
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
      await subscribeToEvents(this.calls, conn, this.opts.events, this.opts.customSubclasses, this.opts.apiTimeoutMs);
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
    const delay = reconnectDelay(this.opts.reconnect, this.attempt);
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

  /** Compare what we know with the switch's channel list (see ChannelLedger.resync); tell listeners the outcome. */
  private async resync(): Promise<void> {
    const report = await this.channels.resync(() => this.showChannels());
    if (report) this.emit("resync", report);
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
      this.channels.note(decoded.kind, decoded.uuid);
    }
    this.queue.push(decoded);
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

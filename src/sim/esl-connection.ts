/**
 * One event-socket listener (mod_event_socket's listener_t), inbound (a client
 * connected to us) or outbound (we dialled the app for a channel's `socket`
 * application). Implements parse_command's command set and replies, event
 * subscriptions and filters, myevents, linger, and FreeSWITCH's backpressure:
 * a per-listener event queue whose overflow disconnects the listener.
 */

import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { executeApi } from "./api-commands.ts";
import {
  closeContainers,
  hangupChannel,
  isTrue,
  parkChannel,
  pumpApplications,
  queueApplication,
  releaseHolder,
} from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { type ClientCommand, CommandReader, ProtocolViolation } from "./command-reader.ts";
import { EVENT_NAMES, LOG_LEVELS, MYEVENTS, nameEvent } from "./event-names.ts";
import { type EventFormat, serializePlain, type SimEvent } from "./event-serialize.ts";
import { AUTH_REQUEST, apiResponse, commandReply, disconnectNotice, lingerNotice } from "./frames.ts";
import { str2cause } from "./hangup-causes.ts";
import { type EventSink, type SessionBinding, SITES, type SwitchCore } from "./switch-core.ts";

export interface InboundOptions {
  kind: "inbound";
  password: string;
}

export interface OutboundOptions {
  kind: "outbound";
  channel: Channel;
  /** `socket host:port async` */
  async: boolean;
  /** `socket host:port … full` */
  full: boolean;
}

/** read_packet waits this long for the first command of an outbound session. */
const OUTBOUND_FIRST_PACKET_MS = 25_000;

function startsWithCI(text: string, prefix: string): boolean {
  return text.length >= prefix.length && text.slice(0, prefix.length).toLowerCase() === prefix;
}

/** switch_regex_perform accepts `/pattern/flags` as well as a bare pattern. */
function compileFilterRegex(value: string): RegExp | undefined {
  let source = value;
  let flags = "";
  if (source.startsWith("/")) {
    source = source.slice(1);
    const end = source.lastIndexOf("/");
    if (end >= 0) {
      flags = source.slice(end + 1).includes("i") ? "i" : "";
      source = source.slice(0, end);
    }
  }
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

export class EslConnection implements EventSink, SessionBinding {
  readonly id = randomUUID();
  private readonly core: SwitchCore;
  private readonly socket: Socket;
  readonly kind: "inbound" | "outbound";
  private readonly password: string;
  private authed: boolean;
  private readonly full: boolean;
  private async: boolean;
  /** listener->session: the channel this listener controls (outbound, or inbound myevents <uuid>). */
  private session: Channel | undefined;
  private gotFirstPacket = false;

  private eventsOn = false;
  private allEvents = false;
  private readonly eventNames = new Set<string>();
  private readonly customSubclasses = new Set<string>();
  private myEvents = false;
  private format: EventFormat = "plain";
  private readonly filters: Array<[string, string]> = [];
  private logLevel: number | undefined;
  private divertEvents = false;

  private linger = false;
  private lingerSeconds = -1;
  private handlingDisconnect = false;
  private disconnectAfterCommand = false;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private firstPacketTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly reader = new CommandReader();
  private readonly commands: ClientCommand[] = [];
  private busy = false;
  /** A blocking api is running: events wait (api runs in the listener thread in FreeSWITCH). */
  private paused = false;
  private draining = false;
  /** Frames waiting for the socket, in order; `queuedEvents` of them are events (counted against the cap). */
  private outQueue: Array<{ frame: string; isEvent: boolean }> = [];
  private outHead = 0;
  private queuedEvents = 0;
  private corked = false;
  closed = false;
  private readonly queueCap: number;
  private readonly onClosed: (conn: EslConnection) => void;

  constructor(
    core: SwitchCore,
    socket: Socket,
    opts: InboundOptions | OutboundOptions,
    queueCap: number,
    onClosed: (conn: EslConnection) => void,
  ) {
    this.core = core;
    this.socket = socket;
    this.kind = opts.kind;
    this.queueCap = queueCap;
    this.onClosed = onClosed;
    if (opts.kind === "inbound") {
      this.password = opts.password;
      this.authed = false;
      this.full = true;
      this.async = false;
    } else {
      this.password = "";
      this.authed = true;
      this.full = opts.full;
      this.async = opts.async;
      this.bindSession(opts.channel);
    }
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      this.draining = false;
      this.flush();
    });
    socket.on("error", () => this.cleanup());
    socket.on("close", () => this.cleanup());
    core.addSink(this);
    if (opts.kind === "inbound") {
      this.writeRaw(AUTH_REQUEST);
    } else {
      // FreeSWITCH sends nothing until the app's first command (25 s at most).
      this.firstPacketTimer = setTimeout(() => {
        if (!this.gotFirstPacket) this.finish();
      }, OUTBOUND_FIRST_PACKET_MS);
    }
  }

  get controlledUuid(): string | undefined {
    return this.session?.uuid;
  }

  private bindSession(ch: Channel): void {
    this.session = ch;
    ch.holders.add(this);
  }

  // ---------------------------------------------------------------- output

  private writeRaw(frame: string): void {
    if (this.closed || this.socket.destroyed) return;
    if (!this.corked) {
      // Coalesce every frame written in this tick into one socket write.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        if (!this.socket.destroyed) this.socket.uncork();
      });
    }
    if (!this.socket.write(frame)) this.draining = true;
  }

  /** command/reply and api/response go straight to the socket, ahead of queued events (as in FreeSWITCH). */
  private reply(text: string, extra?: ReadonlyArray<readonly [string, string]>): void {
    this.writeRaw(commandReply(text, extra));
  }

  private enqueue(frame: string, isEvent: boolean): void {
    if (!this.paused && !this.draining && this.outHead === this.outQueue.length) {
      this.writeRaw(frame);
      return;
    }
    this.outQueue.push({ frame, isEvent });
    if (isEvent) {
      this.queuedEvents++;
      if (this.queuedEvents >= this.queueCap) {
        // The listener's event queue is full: FreeSWITCH kills the listener.
        this.destroy();
      }
    }
  }

  private flush(): void {
    while (!this.paused && !this.draining && this.outHead < this.outQueue.length && !this.closed) {
      const item = this.outQueue[this.outHead++]!;
      if (item.isEvent) this.queuedEvents--;
      this.writeRaw(item.frame);
    }
    if (this.outHead === this.outQueue.length) {
      this.outQueue = [];
      this.outHead = 0;
    } else if (this.outHead > 4096) {
      this.outQueue = this.outQueue.slice(this.outHead);
      this.outHead = 0;
    }
  }

  private dropQueuedEvents(): void {
    this.outQueue = this.outQueue.slice(this.outHead).filter((x) => !x.isEvent);
    this.outHead = 0;
    this.queuedEvents = 0;
  }

  // ---------------------------------------------------------------- events

  wants(eventName: string, uniqueId: string | undefined): boolean {
    if (!this.eventsOn || this.closed) return false;
    if (!this.allEvents && !this.eventNames.has(eventName)) return false;
    if (this.myEvents && this.session && eventName !== "BACKGROUND_JOB" && uniqueId !== undefined && uniqueId !== this.session.uuid) {
      return false;
    }
    return true;
  }

  offer(ev: SimEvent): void {
    if (!this.eventsOn || this.closed) return;
    let send = this.allEvents;
    if (!send && this.eventNames.has(ev.name)) {
      send = ev.name !== "CUSTOM" || ev.subclass === undefined || this.customSubclasses.has(ev.subclass);
    }
    if (!send) return;
    if (this.filters.length > 0 && !this.passesFilters(ev)) return;
    if (this.myEvents) {
      // myevents: only this session's events (BACKGROUND_JOBs it owns included).
      const uuid = ev.uniqueId;
      const mine = this.session ? this.session.uuid : undefined;
      const ok = (uuid !== undefined && (mine === undefined || uuid === mine)) || (ev.ownerUuid !== undefined && ev.ownerUuid === mine);
      if (!ok) return;
    }
    this.enqueue(ev.frame(this.format), true);
  }

  /** The listener's filter list, exactly as event_handler walks it. */
  private passesFilters(ev: SimEvent): boolean {
    let send = false;
    for (const [name, value] of this.filters) {
      const hval = ev.get(name);
      if (hval === undefined) continue;
      let i = 0;
      let positive = true;
      while (i < value.length) {
        const c = value[i]!;
        if (c === "+") positive = true;
        else if (c === "-") positive = false;
        else if (c !== " ") break;
        i++;
      }
      if (send && positive) continue;
      const compareTo = value.slice(i);
      if (compareTo === "") continue;
      let cmp: boolean;
      if (value.startsWith("/")) {
        cmp = compileFilterRegex(compareTo)?.test(hval) ?? false;
      } else {
        cmp = hval.toLowerCase() === compareTo.toLowerCase();
      }
      if (cmp) {
        if (positive) send = true;
        else return false;
      }
    }
    return send;
  }

  // ---------------------------------------------------------------- session binding

  onChannelHangup(ch: Channel): void {
    if (ch !== this.session || this.handlingDisconnect || this.closed) return;
    if (this.linger) return;
    // Without linger FreeSWITCH sends what is already queued, then the
    // disconnect notice, and closes: later events (HANGUP_COMPLETE) are lost.
    // A command still running finishes (and replies) first.
    this.handlingDisconnect = true;
    if (this.paused) this.disconnectAfterCommand = true;
    else this.finish(true);
  }

  onChannelHangupComplete(ch: Channel): void {
    if (ch !== this.session || this.handlingDisconnect || this.closed) return;
    if (!this.linger) return;
    this.handlingDisconnect = true;
    // The linger notice follows the events already queued.
    this.enqueue(lingerNotice(ch.uuid, ch.name, this.lingerSeconds), false);
    if (this.lingerSeconds >= 0) {
      this.lingerTimer = setTimeout(() => this.finish(), this.lingerSeconds * 1000);
    }
  }

  // ---------------------------------------------------------------- input

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let parsed: ClientCommand[];
    try {
      parsed = this.reader.push(chunk);
    } catch (err) {
      if (err instanceof ProtocolViolation) {
        // read_packet: a Content-Length < 0 or > 16 MiB drops the connection.
        this.destroy();
        return;
      }
      throw err;
    }
    for (const cmd of parsed) this.commands.push(cmd);
    this.pump();
  }

  /**
   * Commands run one at a time. FreeSWITCH parses a command, runs it and
   * writes its reply in the listener thread that also writes events, so
   * events fired while a command runs (uuid_kill's hangup, an api originate)
   * reach the client after that command's reply.
   */
  private pump(): void {
    while (!this.busy && this.commands.length > 0 && !this.closed) {
      const cmd = this.commands.shift()!;
      this.paused = true;
      const pending = this.handle(cmd);
      if (pending) {
        this.busy = true;
        pending.then(
          () => {
            this.busy = false;
            this.resume();
            this.pump();
          },
          () => {
            this.busy = false;
            this.destroy();
          },
        );
        return;
      }
      this.resume();
    }
  }

  private resume(): void {
    this.paused = false;
    if (this.disconnectAfterCommand) {
      this.finish(true);
      return;
    }
    this.flush();
  }

  /** parse_command. Exactly one reply per command, in order. */
  private handle(cmd: ClientCommand): Promise<void> | void {
    const line = cmd.command;
    let suppressReply = false;
    if (this.kind === "outbound" && !this.gotFirstPacket) {
      // listener_run processes an outbound session's first packet without sending its reply.
      this.gotFirstPacket = true;
      clearTimeout(this.firstPacketTimer);
      suppressReply = true;
    }
    const reply = (text: string, extra?: ReadonlyArray<readonly [string, string]>) => {
      if (!suppressReply) this.reply(text, extra);
    };

    if (startsWithCI(line, "exit") || line.startsWith("...")) {
      reply("+OK bye");
      this.finish();
      return;
    }

    if (!this.authed) {
      if (startsWithCI(line, "auth ")) {
        if (line.slice(5) === this.password) {
          this.authed = true;
          reply("+OK accepted");
        } else {
          reply("-ERR invalid");
          this.finish();
        }
        return;
      }
      if (startsWithCI(line, "userauth ")) {
        // No user directory in the simulator: every userauth fails like a wrong password.
        reply("-ERR invalid");
        this.finish();
        return;
      }
      reply("-ERR command not found");
      return;
    }

    if (startsWithCI(line, "filter ")) {
      reply(this.filterCommand(line.slice(7)));
      return;
    }

    if (this.session && startsWithCI(line, "resume")) {
      this.session.setVar("socket_resume", "true");
      reply("+OK");
      return;
    }

    if (this.session || startsWithCI(line, "myevents ")) {
      if (startsWithCI(line, "connect")) {
        this.connect();
        return;
      }
      if (startsWithCI(line, "getvar")) {
        const sp = line.indexOf(" ");
        const value = sp >= 0 && this.session ? (this.session.getVar(line.slice(sp + 1)) ?? "") : "";
        // An unset variable gives an empty reply, which parse_command turns into -ERR command not found.
        reply(value === "" ? "-ERR command not found" : value);
        return;
      }
      if (startsWithCI(line, "myevents")) {
        reply(this.myeventsCommand(line));
        return;
      }
    }

    if (startsWithCI(line, "divert_events")) {
      if (!this.session) {
        reply("-ERR not controlling a session.");
        return;
      }
      const onoff = line.slice(13).trim();
      if (onoff === "") {
        reply("-ERR missing value.");
        return;
      }
      this.divertEvents = onoff.toLowerCase() === "on";
      reply(this.divertEvents ? "+OK events diverted" : "+OK events not diverted");
      return;
    }

    if (startsWithCI(line, "sendmsg")) {
      return this.sendmsg(cmd, line.slice(7).trim(), reply);
    }

    // Outbound without `full`: nothing below is allowed.
    if (this.kind === "outbound" && !this.full) {
      reply("-ERR command not found");
      return;
    }

    if (startsWithCI(line, "sendevent")) {
      reply(this.sendevent(cmd, line.slice(9).trim()));
      return;
    }
    if (startsWithCI(line, "api ")) {
      return this.api(line.slice(4), suppressReply);
    }
    if (startsWithCI(line, "bgapi ")) {
      this.bgapi(cmd, line.slice(6), reply);
      return;
    }
    if (startsWithCI(line, "log")) {
      const levelText = line.length > 3 ? line.slice(4) : "";
      const level = levelText === "" ? 7 : /^[0-7]$/.test(levelText) ? Number(levelText) : LOG_LEVELS[levelText.toLowerCase()];
      if (level === undefined) {
        reply("-ERR invalid log level");
      } else {
        this.logLevel = level;
        reply(`+OK log level ${levelText} [${level}]`);
      }
      return;
    }
    if (startsWithCI(line, "linger")) {
      if (!this.session) {
        reply("-ERR not controlling a session");
        return;
      }
      const secs = line[6] === " " && line.length > 7 ? Number.parseInt(line.slice(7), 10) || 0 : -1;
      this.linger = true;
      this.lingerSeconds = secs;
      reply(secs >= 0 ? `+OK will linger ${secs} seconds` : "+OK will linger");
      return;
    }
    if (startsWithCI(line, "nolinger")) {
      if (!this.session) {
        reply("-ERR not controlling a session");
        return;
      }
      this.linger = false;
      reply("+OK will not linger");
      return;
    }
    if (startsWithCI(line, "nolog")) {
      if (this.logLevel !== undefined) {
        this.logLevel = undefined;
        reply("+OK no longer logging");
      } else {
        reply("-ERR not loging");
      }
      return;
    }
    if (startsWithCI(line, "event")) {
      reply(this.eventCommand(line));
      return;
    }
    if (startsWithCI(line, "nixevent")) {
      reply(this.nixeventCommand(line));
      return;
    }
    if (startsWithCI(line, "noevents")) {
      this.dropQueuedEvents();
      if (this.eventsOn) {
        this.eventsOn = false;
        this.allEvents = false;
        this.eventNames.clear();
        this.customSubclasses.clear();
        reply("+OK no longer listening for events");
      } else {
        reply("-ERR not listening for events");
      }
      return;
    }
    reply("-ERR command not found");
  }

  private filterCommand(rest: string): string {
    let headerName = rest.replace(/^ +/, "");
    let headerVal: string | undefined;
    const sp = headerName.indexOf(" ");
    if (sp >= 0) {
      headerVal = headerName.slice(sp + 1);
      headerName = headerName.slice(0, sp);
    }
    if (headerName.toLowerCase() === "delete" && headerVal !== undefined) {
      headerName = headerVal;
      headerVal = undefined;
      const sp2 = headerName.indexOf(" ");
      if (sp2 >= 0) {
        headerVal = headerName.slice(sp2 + 1);
        headerName = headerName.slice(0, sp2);
      }
      if (headerName.toLowerCase() === "all") {
        this.filters.length = 0;
      } else {
        for (let i = this.filters.length - 1; i >= 0; i--) {
          const [n, v] = this.filters[i]!;
          if (n.toLowerCase() === headerName.toLowerCase() && (headerVal === undefined || v === headerVal)) {
            this.filters.splice(i, 1);
          }
        }
      }
      return `+OK filter deleted. [${headerName}][${headerVal ?? ""}]`;
    }
    if (headerVal === undefined) return "-ERR invalid syntax";
    if (headerName.toLowerCase() === "add") {
      headerName = headerVal;
      const sp2 = headerName.indexOf(" ");
      if (sp2 < 0) return "-ERR invalid syntax";
      headerVal = headerName.slice(sp2 + 1);
      headerName = headerName.slice(0, sp2);
    }
    this.filters.push([headerName, headerVal]);
    return `+OK filter added. [${headerName}]=[${headerVal}]`;
  }

  private myeventsCommand(line: string): string {
    if (this.myEvents) return "-ERR aready enabled."; // sic: the typo is FreeSWITCH's
    let formatText = line;
    if (!this.session) {
      // Inbound: myevents <uuid> [format]
      const rest = line.slice(9);
      const sp = rest.indexOf(" ");
      const uuid = sp >= 0 ? rest.slice(0, sp) : rest;
      const fmt = sp >= 0 ? rest.slice(sp + 1) : undefined;
      const ch = this.core.channels.get(uuid);
      if (!ch && fmt !== undefined) return "-ERR invalid uuid";
      if (ch) this.bindSession(ch);
      this.async = true;
      // Quirk kept from the C code: the command was cut at the space, so the format word is never seen.
      formatText = uuid;
    }
    for (const name of MYEVENTS) this.eventNames.add(name);
    this.myEvents = true;
    if (this.session) this.core.bindSink(this, this.session.uuid);
    this.eventsOn = true;
    if (formatText.includes("xml") || formatText.includes("XML")) this.format = "xml";
    if (formatText.includes("json") || formatText.includes("JSON")) this.format = "json";
    return "+OK Events Enabled";
  }

  private eventCommand(line: string): string {
    const sp = line.indexOf(" ", 5);
    let keyCount = 0;
    if (sp >= 0) {
      const tokens = line.slice(sp + 1).split(" ");
      let custom = false;
      tokens.forEach((token, index) => {
        if (index === 0) {
          const lower = token.toLowerCase();
          if (lower === "xml" || lower === "plain" || lower === "json") {
            this.format = lower;
            return;
          }
        }
        if (custom) {
          this.customSubclasses.add(token);
          return;
        }
        const name = nameEvent(token);
        if (!name) return;
        keyCount++;
        if (name === "ALL") this.allEvents = true;
        else this.eventNames.add(name);
        if (name === "CUSTOM") custom = true;
      });
    }
    if (keyCount === 0) return "-ERR no keywords supplied";
    this.eventsOn = true;
    return `+OK event listener enabled ${this.format}`;
  }

  private nixeventCommand(line: string): string {
    const sp = line.indexOf(" ", 5);
    let keyCount = 0;
    if (sp >= 0) {
      let custom = false;
      for (const token of line.slice(sp + 1).split(" ")) {
        if (custom) {
          this.customSubclasses.delete(token);
          continue;
        }
        const name = nameEvent(token);
        if (!name) continue;
        keyCount++;
        if (name === "CUSTOM") custom = true;
        else if (name === "ALL") {
          this.allEvents = false;
          this.eventNames.clear();
        } else {
          if (this.allEvents) {
            // Un-ALL: every type on, then this one off.
            this.allEvents = false;
            for (const n of ALL_EVENT_TYPES) this.eventNames.add(n);
          }
          this.eventNames.delete(name);
        }
      }
    }
    if (keyCount === 0) return "-ERR no keywords supplied";
    this.eventsOn = true;
    return "+OK events nixed";
  }

  /** The `connect` reply: CHANNEL_DATA serialized as the reply's own header block (no Content-Length). */
  private connect(): void {
    const ch = this.session;
    if (!ch) return;
    const ev = this.core.newEvent("CHANNEL_DATA", SITES.CHANNEL_DATA);
    for (const x of ch.profileHeaders("Channel", true)) ev.headers.push(x);
    ch.appendChannelData(ev, true);
    ev.add("Content-Type", "command/reply")
      .add("Reply-Text", "+OK\n")
      .add("Socket-Mode", this.async ? "async" : "static")
      .add("Control", this.full ? "full" : "single-channel");
    this.writeRaw(serializePlain(ev));
    if (!ch.isUp) return;
    if (this.async) {
      // socket app, async mode: park the call once the app is connected.
      this.core.after(0, () => {
        if (ch.isUp && ch.openApps.length > 0 && !ch.openApps[ch.openApps.length - 1]!.parked) parkChannel(this.core, ch);
      }, ch);
    } else {
      ch.executing = true;
      pumpApplications(this.core, ch);
    }
  }

  private sendmsg(cmd: ClientCommand, uuidArg: string, reply: (text: string) => void): Promise<void> | void {
    let uuid: string | undefined = uuidArg || cmd.headers.get("session-id");
    if (uuid && this.session && uuid === this.session.uuid) uuid = undefined;
    const asyncHeader = isTrue(cmd.headers.get("async"));
    let target: Channel | undefined;
    let inline = false;
    if (!uuid && this.session) {
      target = this.session;
      inline = !(this.async || asyncHeader);
    } else {
      target = uuid ? this.core.channels.get(uuid) : undefined;
      if (!target) {
        reply(`-ERR invalid session id [${uuid ?? ""}]`);
        return;
      }
    }
    if (!inline) {
      this.applyMessage(target, cmd);
      reply("+OK");
      return;
    }
    // Static outbound: switch_ivr_parse_event runs inline; +OK only after the app finishes.
    return new Promise<void>((resolve) => {
      this.applyMessage(target, cmd, () => {
        reply("+OK");
        resolve();
      });
    });
  }

  /** switch_ivr_parse_event: call-command execute | hangup (others are accepted and ignored). */
  private applyMessage(ch: Channel, cmd: ClientCommand, onComplete?: () => void): void {
    const h = cmd.headers;
    const command = (h.get("call-command") ?? "").toLowerCase();
    if (command === "execute") {
      const name = h.get("execute-app-name");
      if (!name) {
        onComplete?.();
        return;
      }
      let arg = h.get("execute-app-arg");
      // A long or multi-line argument comes as a text/plain body instead.
      if (arg === undefined && cmd.body !== undefined && (h.get("content-type") ?? "").toLowerCase().startsWith("text/plain")) {
        arg = cmd.body;
      }
      const loops = Math.max(1, Number.parseInt(h.get("loops") ?? "1", 10) || 1);
      queueApplication(this.core, ch, {
        name,
        arg: arg ?? "",
        applicationUuid: h.get("event-uuid") ?? randomUUID(),
        loops,
        setLoopVariables: true,
        ...(onComplete ? { onComplete } : {}),
      });
      return;
    }
    if (command === "hangup") {
      const cause = str2cause(h.get("hangup-cause") ?? "") ?? "NORMAL_CLEARING";
      hangupChannel(this.core, ch, cause);
    }
    onComplete?.();
  }

  private sendevent(cmd: ClientCommand, nameText: string): string {
    const eventUuid = randomUUID();
    const name = nameEvent(nameText) ?? "COMMAND";
    const subclass = name === "CUSTOM" ? cmd.headers.get("event-subclass") : undefined;
    const uniqueId = cmd.headers.get("unique-id");
    if (uniqueId && this.core.channels.has(uniqueId)) {
      // Queued to that session rather than fired (switch_core_session_queue_event).
      return `+OK ${eventUuid}`;
    }
    const ev = this.core.newEvent(name, SITES.SENDEVENT, subclass);
    if (uniqueId) ev.uniqueId = uniqueId;
    ev.add("Command", cmd.command);
    for (const [k, v] of cmd.rawHeaders) {
      if (k.toLowerCase() === "content-length" || k.toLowerCase() === "event-subclass") continue;
      ev.add(k, v);
    }
    ev.add("Event-UUID", eventUuid);
    if (cmd.body !== undefined) ev.body = cmd.body;
    this.core.fire(ev);
    return `+OK ${eventUuid}`;
  }

  private api(text: string, suppressReply: boolean): Promise<void> | void {
    const sp = text.indexOf(" ");
    const command = sp >= 0 ? text.slice(0, sp) : text;
    const arg = sp >= 0 ? text.slice(sp + 1) : undefined;
    const out = executeApi(this.core, command, arg);
    const send = (body: string) => {
      if (!suppressReply) this.writeRaw(apiResponse(body));
    };
    if (typeof out === "string") {
      send(out);
      return;
    }
    // api runs in the listener's own thread: nothing else is written until it returns.
    return out.then((body) => send(body));
  }

  private bgapi(cmd: ClientCommand, text: string, reply: (text: string, extra?: ReadonlyArray<readonly [string, string]>) => void): void {
    const sp = text.indexOf(" ");
    const command = sp >= 0 ? text.slice(0, sp) : text;
    const arg = sp >= 0 ? text.slice(sp + 1) : undefined;
    const jobUuid = cmd.headers.get("job-uuid") ?? randomUUID();
    const owner = this.session?.uuid;
    reply(`+OK Job-UUID: ${jobUuid}`, [["Job-UUID", jobUuid]]);
    // The job runs after the reply is out, like api_exec on its own thread.
    setImmediate(() => {
      const out = executeApi(this.core, command, arg);
      Promise.resolve(out).then((body) => {
        if (!this.core.wants("BACKGROUND_JOB", undefined, owner)) {
          this.core.skipSequence();
          return;
        }
        const ev = this.core.newEvent("BACKGROUND_JOB", SITES.BACKGROUND_JOB);
        ev.ownerUuid = owner;
        ev.add("Job-UUID", jobUuid);
        if (owner) ev.add("Job-Owner-UUID", owner);
        ev.add("Job-Command", command);
        if (arg !== undefined) ev.add("Job-Command-Arg", arg);
        if (body.length > 0) ev.body = body;
        this.core.fire(ev);
      });
    });
  }

  // ---------------------------------------------------------------- teardown

  /**
   * listener_run's exit path: the disconnect notice, then close. Leaving
   * because the channel went down sends the queued events first; `exit`
   * discards them (flush_listener).
   */
  finish(sendQueuedEvents = false): void {
    if (this.closed) return;
    this.flushBeforeClose(sendQueuedEvents);
    this.writeRaw(disconnectNotice(this.session?.uuid));
    this.closed = true;
    this.socket.end();
    this.cleanup();
  }

  private flushBeforeClose(sendQueuedEvents: boolean): void {
    this.paused = false;
    this.draining = false;
    while (this.outHead < this.outQueue.length) {
      const item = this.outQueue[this.outHead++]!;
      if (sendQueuedEvents || !item.isEvent) this.writeRaw(item.frame);
    }
    this.outQueue = [];
    this.outHead = 0;
    this.queuedEvents = 0;
  }

  /** kill_all_listeners at shutdown: a disconnect notice with the shutdown text, then close. */
  shutdown(): void {
    if (this.closed) return;
    this.writeRaw(disconnectNotice(this.session?.uuid, "The system is being shut down.\n"));
    this.closed = true;
    this.socket.end();
    this.cleanup();
  }

  /** Abrupt close (queue overflow, protocol violation, dropConnections). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    this.cleanup();
  }

  private cleaned = false;

  private cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.closed = true;
    clearTimeout(this.lingerTimer);
    clearTimeout(this.firstPacketTimer);
    this.core.removeSink(this);
    const ch = this.session;
    if (ch) {
      if (this.kind === "outbound" && !this.async && ch.isUp) {
        // Static mode: the socket app returns when the listener ends and the dialplan runs out.
        closeContainers(this.core, ch);
        hangupChannel(this.core, ch, "NORMAL_CLEARING");
      }
      releaseHolder(this.core, ch, this);
    }
    this.onClosed(this);
  }
}

/** Every event type except ALL, for nixevent after ALL. */
const ALL_EVENT_TYPES: readonly string[] = EVENT_NAMES.filter((n) => n !== "ALL");

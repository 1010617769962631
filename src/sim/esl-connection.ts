/**
 * One event-socket listener (mod_event_socket's listener_t), inbound (a client
 * connected to us) or outbound (we dialled the app for a channel's `socket`
 * application): its socket, the one-command-at-a-time loop, the session it
 * controls (hangup, linger, disconnect notice) and FreeSWITCH's backpressure:
 * a per-listener event queue whose overflow disconnects the listener. The
 * command set is in esl-parse-command.ts / esl-execute-commands.ts and the
 * event subscription and filters in esl-event-subscription.ts; the fields
 * those read and write (the listener_t's settings) are public for them.
 */

import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { closeContainers, hangupChannel, releaseHolder } from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { type ClientCommand, CommandReader, ProtocolViolation } from "./command-reader.ts";
import { EventSubscription } from "./esl-event-subscription.ts";
import { parseCommand } from "./esl-parse-command.ts";
import type { SimEvent } from "./event-serialize.ts";
import { AUTH_REQUEST, commandReply, disconnectNotice, lingerNotice } from "./frames.ts";
import type { EventSink, SessionBinding, SwitchCore } from "./switch-core.ts";

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

export class EslConnection implements EventSink, SessionBinding {
  readonly id = randomUUID();
  // Read and written by parse_command (esl-parse-command.ts, esl-execute-commands.ts).
  readonly core: SwitchCore;
  private readonly socket: Socket;
  readonly kind: "inbound" | "outbound";
  readonly password: string;
  authed: boolean;
  readonly full: boolean;
  async: boolean;
  /** listener->session: the channel this listener controls (outbound, or inbound myevents <uuid>). */
  session: Channel | undefined;
  gotFirstPacket = false;

  /** event / nixevent / noevents / myevents / filter: what this listener hears. */
  readonly events = new EventSubscription();
  logLevel: number | undefined;
  divertEvents = false;

  linger = false;
  lingerSeconds = -1;
  private handlingDisconnect = false;
  private disconnectAfterCommand = false;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  firstPacketTimer: ReturnType<typeof setTimeout> | undefined;

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

  bindSession(ch: Channel): void {
    this.session = ch;
    ch.holders.add(this);
  }

  // ---------------------------------------------------------------- output

  writeRaw(frame: string): void {
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
  reply(text: string, extra?: ReadonlyArray<readonly [string, string]>): void {
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

  dropQueuedEvents(): void {
    this.outQueue = this.outQueue.slice(this.outHead).filter((x) => !x.isEvent);
    this.outHead = 0;
    this.queuedEvents = 0;
  }

  // ---------------------------------------------------------------- events

  wants(eventName: string, uniqueId: string | undefined): boolean {
    if (this.closed) return false;
    return this.events.wants(eventName, uniqueId, this.session?.uuid);
  }

  offer(ev: SimEvent): void {
    if (this.closed) return;
    if (!this.events.accepts(ev, this.session?.uuid)) return;
    this.enqueue(ev.frame(this.events.format), true);
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
      const pending = parseCommand(this, cmd);
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

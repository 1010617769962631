/**
 * One outbound-socket session: a channel FreeSWITCH handed us with the dialplan
 * `socket` app, driven over its own connection (sendmsg execute, api, exit),
 * with its events delivered in order through a bounded queue. The server
 * (outbound-server.ts) accepts, vets and hands these out.
 */
import type { Socket } from "node:net";
import { randomUUID } from "node:crypto";
import type EslEvent from "modesl/lib/esl/Event.js";
import { PendingCalls, replyError, writeApi, writeCommand, type Connection } from "./calls.ts";
import { encodeExecute, wireText } from "./encode.ts";
import { EslCommandError, EslLinkDownError } from "./errors.ts";
import { BoundedEventQueue, describeSwitchEvent, switchEventTier, type QueueLimits } from "./event-queue.ts";
import type { ChannelEvent } from "../../machines/switch/index.ts";

export type ChannelDataEvent = Extract<ChannelEvent, { kind: "channel.data" }>;
export type ChannelEventHandler = (event: ChannelEvent) => void | Promise<void>;

export interface OutboundSession {
  /** The channel's Unique-ID (the call actor's id). */
  readonly uuid: string;
  /** The switch's address as the socket saw it. */
  readonly source: string;
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

export class Session implements OutboundSession {
  readonly closed: Promise<void>;
  uuid = "";
  channelData!: ChannelDataEvent;
  /** Recognised as the switch's: the handshake byte cap no longer applies. */
  vetted = false;
  /** What the parser holds for this session toward frames not complete yet, as last counted. */
  heldBytes = 0;
  private readonly calls = new PendingCalls();
  private readonly handlers: ChannelEventHandler[] = [];
  readonly queue: BoundedEventQueue<ChannelEvent>;
  private isClosed = false;
  private exiting: Promise<void> | null = null;
  private resolveClosed!: () => void;

  constructor(
    readonly conn: Connection,
    readonly socket: Socket,
    readonly source: string,
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


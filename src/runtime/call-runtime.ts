/**
 * Calls, as the HTTP layer and reconcile use them: what is particular to calls
 * on top of the actor host (actor-host.ts), which runs them like every kind
 * (call-kind.ts says how).
 *
 * - place() spawns an outbound call actor (its id is the origination_uuid, so it
 *   exists before the switch answers); adoptInbound() spawns one for a channel
 *   FreeSWITCH handed us over the outbound socket. Each direction has its own
 *   limit, so a flood of inbound calls can never make place() answer 429.
 * - command() sends a user command through the call's state gate.
 * - resume() brings back a call a previous run left live on the switch (see
 *   reconcile.ts, which decides what is resumed and what was lost meanwhile).
 * - view() / liveViews(): the call's JSON view, live or just ended.
 */
import type { CallAction, CallInput, CallMachine, CallSnapshot, CallUserCommand } from "../../machines/call.ts";
import type { ChannelEvent } from "../../machines/switch/index.ts";
import type { ConversationSpec } from "./conversation-api.ts";
import type { JournalWriter } from "../db/journal.ts";
import { childLog } from "../log.ts";
import type { ActorHost } from "./actor-host.ts";
import type { ActorEntry } from "./actor-kind.ts";
import type { CallMeta, CallSpawn } from "./call-kind.ts";
import { liveView, type LiveCallView } from "./call-record.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import type { SwitchLink } from "./switch-link.ts";

const log = childLog({ mod: "runtime.calls" });

export interface PlaceCallRequest {
  callId: string;
  to: string;
  dialString: string;
  from: string;
  fromName?: string;
  timeoutSec: number;
  timeLimitSec?: number;
  /** Steps run in order once answered (say, play, gather, hangup). */
  script?: CallAction[];
  statusCallback?: string;
  dryRun: boolean;
  /** performance.now() when the HTTP request arrived, for the request→originate latency. */
  requestReceivedAt?: number;
  /** The call this one was placed for (a warm transfer's agent leg: the caller's call), its parent actor. */
  parentId?: string;
}

export type UserCommand = CallUserCommand extends infer C ? (C extends { at: number } ? Omit<C, "at"> : never) : never;

export type CommandResult =
  | { outcome: "accepted"; view: LiveCallView }
  | { outcome: "refused"; reason: string; state: string }
  | { outcome: "not_found" };

export interface CallRuntimeOptions {
  host: ActorHost;
  link: Pick<SwitchLink, "send" | "trackChannel">;
  journal: Pick<JournalWriter, "seedSeq" | "resume">;
  metrics: Pick<RuntimeMetrics, "callsPlaced" | "inboundRefused">;
  tts: { engine: string; voice: string };
  inboundGreeting: string;
  /** Live outbound calls at once (MAX_CONCURRENT_CALLS): place() answers 429 beyond. */
  maxConcurrentCalls: number;
  /** Live inbound calls at once (MAX_INBOUND_CALLS): further ones are hung up. */
  maxInboundCalls?: number;
  /**
   * Inbound calls run a conversation instead of the greeting when `spec()`
   * gives one (INBOUND_CONVERSATION_PROMPT): the call is answered and
   * `start(callId, spec)` starts the conversation as its child.
   */
  inboundConversation?: {
    spec(channel: ChannelEvent): ConversationSpec | null;
    start(callId: string, spec: ConversationSpec): unknown;
  };
}

export interface StoredCall {
  snapshot: unknown;
  statusCallback: string | null;
  dryRun: boolean;
  /** The journal's last seq for the call, when the caller read it already (else it is queried). */
  lastSeq?: number;
}

type CallEntry = ActorEntry<CallMachine, CallMeta>;

export class CallRuntime {
  private accepting = true;

  constructor(private readonly opts: CallRuntimeOptions) {}

  get liveCount(): number {
    return this.opts.host.count("call");
  }

  liveCountOf(direction: "inbound" | "outbound"): number {
    return this.opts.host.count("call", direction);
  }

  /** Spawn an outbound call actor; its machine emits the originate at once. */
  place(req: PlaceCallRequest): LiveCallView {
    const { host } = this.opts;
    if (!this.accepting) throw new RuntimeRefusal(503, "shutting_down", "the runtime is shutting down");
    if (this.liveCountOf("outbound") >= this.opts.maxConcurrentCalls) {
      throw new RuntimeRefusal(429, "too_many_calls", `at most ${this.opts.maxConcurrentCalls} concurrent outbound calls`);
    }
    if (host.get(req.callId)) throw new RuntimeRefusal(409, "duplicate_call", `call ${req.callId} already exists`);
    const input: CallInput = {
      callId: req.callId,
      direction: "outbound",
      from: req.from,
      to: req.to,
      callerIdName: req.fromName,
      dialString: req.dialString,
      timeoutSec: req.timeoutSec,
      timeLimitSec: req.timeLimitSec,
      tts: this.opts.tts,
      script: req.script,
      createdAt: Date.now(),
    };
    const meta: CallMeta = { direction: "outbound", statusCallback: req.statusCallback ?? null, dryRun: req.dryRun, requestReceivedAt: req.requestReceivedAt };
    const entry = this.spawn({ input, meta, ...(req.parentId !== undefined ? { parentId: req.parentId } : {}) });
    this.opts.metrics.callsPlaced.inc();
    const view = viewOf(entry);
    if (req.dryRun) {
      // Dry run: answered as if placed, then cancelled before anything reaches the switch.
      host.journal(entry.id, "command", "dry_run", { note: "not dialled: dry_run" });
      host.send(entry.id, { type: "hangup", at: Date.now(), reason: "dry_run" });
    }
    return view;
  }

  /**
   * A channel FreeSWITCH handed us over the outbound socket (dialplan `socket … async full`).
   * `routed`: the conversation its destination number routes to (a receptionist's); absent, the configured default.
   */
  adoptInbound(channel: ChannelEvent, routed?: ConversationSpec): LiveCallView | null {
    const held = this.opts.host.get(channel.uuid);
    if (held) return viewOf(held as CallEntry);
    const live = this.liveCountOf("inbound");
    const full = live >= (this.opts.maxInboundCalls ?? this.opts.maxConcurrentCalls);
    if (!this.accepting || full) {
      // Still answer the switch: hang the call up rather than leave it parked forever.
      void this.opts.link.send({ type: "hangup", uuid: channel.uuid, cause: "NORMAL_TEMPORARY_FAILURE" }).catch(() => {});
      this.opts.metrics.inboundRefused.inc({ reason: full ? "full" : "shutting_down" });
      log.warn({ callId: channel.uuid, live }, full ? "inbound call refused: MAX_INBOUND_CALLS reached" : "inbound call refused: shutting down");
      return null;
    }
    this.opts.link.trackChannel(channel.uuid);
    const conversation = routed ?? this.opts.inboundConversation?.spec(channel) ?? null;
    const input: CallInput = {
      callId: channel.uuid,
      direction: "inbound",
      from: channel.callerIdNumber,
      to: channel.destinationNumber,
      callerIdName: channel.callerIdName || undefined,
      tts: this.opts.tts,
      // A conversation drives the call itself; else the default inbound behaviour: answer, say the greeting, hang up.
      script:
        conversation !== null
          ? []
          : [
              { type: "say", text: this.opts.inboundGreeting },
              { type: "hangup", reason: "NORMAL_CLEARING" },
            ],
      createdAt: Date.now(),
    };
    const entry = this.spawn({ input, meta: { direction: "inbound", statusCallback: null, dryRun: false } });
    if (conversation !== null) this.startInboundConversation(entry, conversation);
    return viewOf(entry);
  }

  /** The conversation first (it hears the answer), then the answer; if it cannot start, the caller is not left ringing. */
  private startInboundConversation(entry: CallEntry, spec: ConversationSpec): void {
    const { host } = this.opts;
    try {
      this.opts.inboundConversation!.start(entry.id, spec);
    } catch (err) {
      log.error({ err, callId: entry.id }, "inbound conversation could not start; hanging up");
      host.command(entry.id, { type: "hangup", at: Date.now(), reason: "NORMAL_TEMPORARY_FAILURE" });
      return;
    }
    host.command(entry.id, { type: "answer", at: Date.now(), applicationUuid: `${entry.id}:answer` });
  }

  /** Send a user command, gated by state: a refusal changes nothing and is journalled. */
  command(callId: string, command: UserCommand): CommandResult {
    const result = this.opts.host.command(callId, { ...command, at: Date.now() } as CallUserCommand);
    switch (result.outcome) {
      case "not_found": {
        const ended = this.opts.host.recent(callId);
        if (!ended) return result;
        return { outcome: "refused", reason: `cannot ${command.type.replace("_", " ")} on a call that has ended`, state: String(viewOf(ended.entry as CallEntry, ended.snapshot as CallSnapshot).cdr.stateValue) };
      }
      case "refused":
        return result;
      case "accepted":
        return { outcome: "accepted", view: viewOf(result.entry as CallEntry) };
    }
  }

  view(callId: string): LiveCallView | null {
    const entry = this.opts.host.get(callId);
    if (entry) return viewOf(entry as CallEntry);
    const ended = this.opts.host.recent(callId);
    return ended ? viewOf(ended.entry as CallEntry, ended.snapshot as CallSnapshot) : null;
  }

  liveViews(): LiveCallView[] {
    return this.opts.host.list("call").map((e) => viewOf(e as CallEntry));
  }

  /** Stop accepting calls; live calls keep their actors (they are resumed after a restart). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** A live call, or one that ended a moment ago and whose CDR may still be on its way to the database. */
  holds(callId: string): boolean {
    return this.opts.host.holds(callId);
  }

  /**
   * A call still up on the switch, journalled by an earlier run of the runtime:
   * resume its actor from the persisted snapshot. Its journal's seq is seeded
   * before anything is appended. False when the snapshot cannot be resumed.
   */
  async resume(callId: string, stored: StoredCall): Promise<boolean> {
    const { host, journal } = this.opts;
    if (host.get(callId)) return true;
    if (stored.lastSeq !== undefined) journal.seedSeq(callId, stored.lastSeq);
    else await journal.resume(callId);
    if (host.get(callId)) return true;
    const direction = (stored.snapshot as { context?: { direction?: unknown } } | null)?.context?.direction === "inbound" ? "inbound" : "outbound";
    let entry: CallEntry;
    try {
      entry = host.restore("call", { id: callId, snapshot: stored.snapshot, meta: { direction, statusCallback: stored.statusCallback, dryRun: stored.dryRun } satisfies CallMeta }) as CallEntry;
    } catch (err) {
      log.error({ err, callId }, "could not resume a live call from its stored snapshot");
      return false;
    }
    if (entry.actor.getSnapshot().status !== "active") return host.get(callId) === entry;
    this.opts.link.trackChannel(callId);
    host.resume(entry, "actor restored from its snapshot after a restart");
    log.info({ callId, state: entry.state }, "resumed a live call after restart");
    return true;
  }

  private spawn(request: CallSpawn): CallEntry {
    return this.opts.host.spawn("call", request) as CallEntry;
  }
}

function viewOf(entry: CallEntry, snapshot: CallSnapshot = entry.actor.getSnapshot()): LiveCallView {
  return liveView(snapshot, entry.meta);
}

/** A place/adopt refusal the HTTP layer turns into its status code. */
export class RuntimeRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

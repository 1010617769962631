/**
 * The call runtime: one XState actor per live call, keyed by channel UUID.
 *
 * - place() spawns an outbound call actor (its id is the origination_uuid, so it
 *   exists before the switch answers); adoptInbound() spawns one for a channel
 *   FreeSWITCH handed us over the outbound socket. Each direction has its own
 *   limit, so a flood of inbound calls can never make place() answer 429.
 * - resume() brings back a call a previous run left live on the switch (see
 *   reconcile.ts, which decides what is resumed and what was lost meanwhile).
 * - route() is the router: a decoded switch event goes to the actor whose id is
 *   the event's Unique-ID.
 * - execute() is the executor: a command the machine emits goes to the switch
 *   link, and the event→command latency is recorded.
 * - Supervision: an actor that throws ends as failed, its channel is hung up,
 *   the error is logged, and the process carries on.
 * - Retirement: a finished actor's final CDR is handed to the journal, then it
 *   leaves memory.
 */
import { createActor, type Actor } from "xstate";
import {
  callMachine,
  callStateName,
  callStatus,
  refusal,
  type CallAction,
  type CallInput,
  type CallSnapshot,
  type CallUserCommand,
} from "../../machines/call.ts";
import type { JournalWriter } from "../db/journal.ts";
import type { ChannelEvent, ResyncReport, SwitchCommand, SwitchEvent } from "../../machines/switch/index.ts";
import { childLog } from "../log.ts";
import { cdrFromSnapshot, liveView, type LiveCallView } from "./call-record.ts";
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
}

export type UserCommand = CallUserCommand extends infer C ? (C extends { at: number } ? Omit<C, "at"> : never) : never;

export type CommandResult =
  | { outcome: "accepted"; view: LiveCallView }
  | { outcome: "refused"; reason: string; state: string }
  | { outcome: "not_found" };

export interface CallRuntimeOptions {
  link: SwitchLink;
  journal: JournalWriter;
  metrics: RuntimeMetrics;
  tts: { engine: string; voice: string };
  inboundGreeting: string;
  /** Live outbound calls at once (MAX_CONCURRENT_CALLS): place() answers 429 beyond. */
  maxConcurrentCalls: number;
  /** Live inbound calls at once (MAX_INBOUND_CALLS): further ones are hung up. */
  maxInboundCalls?: number;
}

export interface StoredCall {
  snapshot: unknown;
  statusCallback: string | null;
  dryRun: boolean;
  /** The journal's last seq for the call, when the caller read it already (else it is queried). */
  lastSeq?: number;
}

interface CallEntry {
  id: string;
  direction: "inbound" | "outbound";
  actor: Actor<typeof callMachine>;
  statusCallback: string | null;
  dryRun: boolean;
  stateName: string;
  status: string;
  requestReceivedAt?: number;
}

/** How long a finished call's view stays in memory while its CDR reaches the database. */
const RECENTLY_ENDED_MS = 60_000;

export class CallRuntime {
  private readonly calls = new Map<string, CallEntry>();
  /** Live calls per direction: each direction is limited on its own. */
  private readonly liveByDirection = { inbound: 0, outbound: 0 };
  private readonly recentlyEnded = new Map<string, { view: LiveCallView; until: number }>();
  /** performance.now() of the switch event being dispatched, while its handlers run. */
  private dispatchingSince: number | null = null;
  private accepting = true;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly opts: CallRuntimeOptions) {}

  start(): void {
    const { link } = this.opts;
    this.unsubscribe.push(link.onEvent((e) => this.route(e)));
    link.on("disconnected", () => this.broadcast({ type: "link.down", at: Date.now() }));
    link.on("connected", () => this.broadcast({ type: "link.up", at: Date.now() }));
    link.on("resync", (report) => void this.resync(report));
  }

  get liveCount(): number {
    return this.calls.size;
  }

  liveCountOf(direction: "inbound" | "outbound"): number {
    return this.liveByDirection[direction];
  }

  /** Spawn an outbound call actor; its machine emits the originate at once. */
  place(req: PlaceCallRequest): LiveCallView {
    if (!this.accepting) throw new RuntimeRefusal(503, "shutting_down", "the runtime is shutting down");
    if (this.liveByDirection.outbound >= this.opts.maxConcurrentCalls) {
      throw new RuntimeRefusal(429, "too_many_calls", `at most ${this.opts.maxConcurrentCalls} concurrent outbound calls`);
    }
    if (this.calls.has(req.callId)) throw new RuntimeRefusal(409, "duplicate_call", `call ${req.callId} already exists`);
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
    const entry = this.spawn(input, { statusCallback: req.statusCallback ?? null, dryRun: req.dryRun, requestReceivedAt: req.requestReceivedAt });
    this.opts.metrics.callsPlaced.inc();
    const view = liveView(entry.actor.getSnapshot(), entry);
    if (req.dryRun) {
      // Dry run: answered as if placed, then cancelled before anything reaches the switch.
      this.journal(entry.id, "command", "dry_run", { note: "not dialled: dry_run" });
      entry.actor.send({ type: "hangup", at: Date.now(), reason: "dry_run" });
    }
    return view;
  }

  /** A channel FreeSWITCH handed us over the outbound socket (dialplan `socket … async full`). */
  adoptInbound(channel: ChannelEvent): LiveCallView | null {
    if (this.calls.has(channel.uuid)) return liveView(this.calls.get(channel.uuid)!.actor.getSnapshot(), this.calls.get(channel.uuid)!);
    const full = this.liveByDirection.inbound >= (this.opts.maxInboundCalls ?? this.opts.maxConcurrentCalls);
    if (!this.accepting || full) {
      // Still answer the switch: hang the call up rather than leave it parked forever.
      void this.opts.link.send({ type: "hangup", uuid: channel.uuid, cause: "NORMAL_TEMPORARY_FAILURE" }).catch(() => {});
      this.opts.metrics.inboundRefused.inc({ reason: full ? "full" : "shutting_down" });
      log.warn({ callId: channel.uuid, live: this.liveByDirection.inbound }, full ? "inbound call refused: MAX_INBOUND_CALLS reached" : "inbound call refused: shutting down");
      return null;
    }
    this.opts.link.trackChannel(channel.uuid);
    const input: CallInput = {
      callId: channel.uuid,
      direction: "inbound",
      from: channel.callerIdNumber,
      to: channel.destinationNumber,
      callerIdName: channel.callerIdName || undefined,
      tts: this.opts.tts,
      // Until flows exist, the default inbound behaviour: answer, say the greeting, hang up.
      script: [
        { type: "say", text: this.opts.inboundGreeting },
        { type: "hangup", reason: "NORMAL_CLEARING" },
      ],
      createdAt: Date.now(),
    };
    const entry = this.spawn(input, { statusCallback: null, dryRun: false });
    return liveView(entry.actor.getSnapshot(), entry);
  }

  /** Send a user command, gated by state: a refusal changes nothing and is journalled. */
  command(callId: string, command: UserCommand): CommandResult {
    const entry = this.calls.get(callId);
    if (!entry) return this.recentlyEnded.has(callId) ? this.refuseEnded(callId, command) : { outcome: "not_found" };
    const event = { ...command, at: Date.now() } as CallUserCommand;
    const snapshot = entry.actor.getSnapshot();
    const reason = refusal(snapshot, event);
    if (reason !== null) {
      const state = callStateName(snapshot);
      this.journal(callId, "refusal", command.type, { reason, state });
      return { outcome: "refused", reason, state };
    }
    entry.actor.send(event);
    return { outcome: "accepted", view: liveView(entry.actor.getSnapshot(), entry) };
  }

  view(callId: string): LiveCallView | null {
    const entry = this.calls.get(callId);
    if (entry) return liveView(entry.actor.getSnapshot(), entry);
    return this.recentlyEnded.get(callId)?.view ?? null;
  }

  liveViews(): LiveCallView[] {
    return [...this.calls.values()].map((e) => liveView(e.actor.getSnapshot(), e));
  }

  /** Actor inspection for /v1/actors: state value, context summary. */
  inspect(callId: string): { id: string; kind: "call"; state: string; status: string; context: Record<string, unknown> } | null {
    const entry = this.calls.get(callId);
    if (!entry) return null;
    const s = entry.actor.getSnapshot();
    const c = s.context;
    return {
      id: callId,
      kind: "call",
      state: callStateName(s),
      status: callStatus(s),
      context: {
        direction: c.direction,
        from: c.from,
        to: c.to,
        activity: c.activity,
        pending: c.pending,
        bridged_to: c.bridgedTo,
        link_up: c.linkUp,
        dtmf: c.dtmf.map((d) => d.digit).join(""),
        dry_run: entry.dryRun,
      },
    };
  }

  actorIds(): string[] {
    return [...this.calls.keys()];
  }

  /** Stop accepting calls; live calls keep their actors (they are resumed after a restart). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Persist every live call's snapshot, then stop the actors (the calls stay up on the switch). */
  async shutdown(): Promise<void> {
    this.accepting = false;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const entry of [...this.calls.values()]) {
      this.opts.journal.upsertCall(this.cdr(entry, entry.actor.getSnapshot()));
      this.release(entry);
      entry.actor.stop();
    }
    await this.opts.journal.flush();
  }

  /** A live actor, or one that ended a moment ago and whose CDR may still be on its way to the database. */
  holds(callId: string): boolean {
    return this.calls.has(callId) || this.recentlyEnded.has(callId);
  }

  // ─── router ──────────────────────────────────────────────────────────────

  private route(event: SwitchEvent): void {
    if (event.kind === "background_job" || event.kind === "heartbeat") return;
    const entry = this.calls.get(event.uuid);
    if (!entry) {
      this.opts.metrics.unroutedEvents.inc();
      return;
    }
    const { variables: _variables, ...journalled } = event;
    this.journal(entry.id, "event", event.eventName, journalled);
    this.dispatchingSince = event.receivedAt;
    try {
      entry.actor.send({ ...event, type: event.kind, at: Date.now() } as never);
    } finally {
      this.dispatchingSince = null;
    }
  }

  private broadcast(event: { type: "link.down" | "link.up"; at: number }): void {
    for (const entry of this.calls.values()) entry.actor.send(event);
  }

  /** Channels that ended while the link was down: their actors end as the machine says. (Calls we do not hold: reconcile.ts.) */
  private resync(report: ResyncReport): void {
    for (const uuid of report.vanished) {
      const entry = this.calls.get(uuid);
      if (!entry) continue;
      this.journal(uuid, "event", "RESYNC_VANISHED", { note: "channel gone from the switch after a reconnect" });
      entry.actor.send({ type: "channel.vanished", at: Date.now() });
    }
  }

  /**
   * A call still up on the switch, journalled by an earlier run of the runtime:
   * resume its actor from the persisted snapshot. Its journal's seq is seeded
   * before anything is appended. False when the snapshot cannot be resumed.
   */
  async resume(callId: string, stored: StoredCall): Promise<boolean> {
    if (this.calls.has(callId)) return true;
    if (stored.lastSeq !== undefined) this.opts.journal.seedSeq(callId, stored.lastSeq);
    else await this.opts.journal.resume(callId);
    if (this.calls.has(callId)) return true;
    let entry: CallEntry;
    try {
      entry = this.spawn(null, { statusCallback: stored.statusCallback, dryRun: stored.dryRun }, stored.snapshot, callId);
    } catch (err) {
      log.error({ err, callId }, "could not resume a live call from its stored snapshot");
      return false;
    }
    if (entry.actor.getSnapshot().status !== "active") return this.calls.get(callId) === entry;
    this.opts.link.trackChannel(callId);
    this.journal(callId, "event", "RESUMED", { note: "actor restored from its snapshot after a restart" });
    entry.actor.send({ type: "resume", at: Date.now() });
    log.info({ callId, state: entry.stateName }, "resumed a live call after restart");
    return true;
  }

  // ─── actor lifecycle ─────────────────────────────────────────────────────

  private spawn(
    input: CallInput | null,
    extra: { statusCallback: string | null; dryRun: boolean; requestReceivedAt?: number },
    snapshot?: unknown,
    restoredId?: string,
  ): CallEntry {
    // A restored actor keeps the input it was created with inside its snapshot.
    const actor = snapshot
      ? createActor(callMachine, { snapshot: snapshot as never, input: undefined as never })
      : createActor(callMachine, { input: input! });
    const id = input?.callId ?? restoredId!;
    const direction = actor.getSnapshot().context?.direction === "inbound" ? "inbound" : "outbound";
    const entry: CallEntry = { id, direction, actor, ...extra, stateName: "", status: "" };
    this.calls.set(id, entry);
    this.liveByDirection[direction]++;
    actor.on("command", ({ command }) => this.execute(entry, command));
    actor.on("refused", (e) => this.journal(id, "refusal", e.command, { reason: e.reason, state: e.state }));
    actor.on("gathered", (e) => this.journal(id, "event", "GATHERED", { digits: e.digits, terminator: e.terminator }));
    actor.subscribe({
      next: (s) => this.onSnapshot(entry, s),
      error: (err) => this.onCrash(entry, err),
    });
    actor.start();
    return entry;
  }

  private onSnapshot(entry: CallEntry, snapshot: CallSnapshot): void {
    const stateName = callStateName(snapshot);
    const status = callStatus(snapshot);
    // Most events (DTMF, playback start) change no state: only a transition touches the CDR.
    if (stateName === entry.stateName && status === entry.status && snapshot.status !== "done") return;
    if (entry.stateName !== "" && stateName !== entry.stateName) {
      this.journal(entry.id, "transition", `${entry.stateName}→${stateName}`, { status });
    }
    entry.stateName = stateName;
    entry.status = status;
    this.opts.journal.upsertCall(this.cdr(entry, snapshot));
    if (snapshot.status === "done") this.retire(entry, snapshot);
  }

  private cdr(entry: CallEntry, snapshot: CallSnapshot) {
    const row = cdrFromSnapshot(snapshot, entry);
    // A live call keeps its persisted snapshot so a restarted runtime can resume it.
    row.snapshot = snapshot.status === "active" ? entry.actor.getPersistedSnapshot() : null;
    return row;
  }

  /** The entry leaves the live set (once). */
  private release(entry: CallEntry): boolean {
    if (this.calls.get(entry.id) !== entry) return false;
    this.calls.delete(entry.id);
    this.liveByDirection[entry.direction]--;
    return true;
  }

  private retire(entry: CallEntry, snapshot: CallSnapshot): void {
    if (!this.release(entry)) return;
    const status = callStatus(snapshot);
    this.opts.metrics.callsEnded.inc({ status });
    const now = Date.now();
    this.recentlyEnded.set(entry.id, { view: liveView(snapshot, entry), until: now + RECENTLY_ENDED_MS });
    for (const [id, r] of this.recentlyEnded) {
      if (r.until > now) break;
      this.recentlyEnded.delete(id);
    }
    this.opts.journal.forget(entry.id);
  }

  private onCrash(entry: CallEntry, err: unknown): void {
    log.error({ err, callId: entry.id }, "call actor failed; ending the call as failed");
    this.journal(entry.id, "error", "ACTOR_FAILED", { message: String((err as Error)?.message ?? err) });
    const last = entry.actor.getSnapshot();
    const row = cdrFromSnapshot(last, entry);
    row.status = "failed";
    row.error = `actor failed: ${String((err as Error)?.message ?? err)}`;
    row.endedAt = new Date();
    row.snapshot = null;
    this.opts.journal.upsertCall(row);
    this.opts.metrics.callsEnded.inc({ status: "failed" });
    this.release(entry);
    // Do not leave a channel nobody drives on the switch.
    if (this.opts.link.connected && !entry.dryRun) {
      void this.opts.link.send({ type: "hangup", uuid: entry.id, cause: "NORMAL_TEMPORARY_FAILURE" }).catch(() => {});
    }
  }

  // ─── executor ────────────────────────────────────────────────────────────

  private execute(entry: CallEntry, command: SwitchCommand): void {
    this.journal(entry.id, "command", command.type, command);
    if (entry.dryRun) return;
    const { link, metrics } = this.opts;
    if (command.type === "originate") link.trackChannel(command.uuid);
    let sent: Promise<unknown>;
    try {
      sent = link.send(command);
    } catch (err) {
      sent = Promise.reject(err);
    }
    // The command's bytes are written synchronously inside send(): this is the moment it left.
    const writtenAt = performance.now();
    if (this.dispatchingSince !== null) metrics.eventToCommand.observe((writtenAt - this.dispatchingSince) / 1000);
    metrics.commandsSent.inc({ command: command.type });
    if (command.type === "originate") {
      if (entry.requestReceivedAt !== undefined) {
        metrics.requestToOriginate.observe((writtenAt - entry.requestReceivedAt) / 1000);
        entry.requestReceivedAt = undefined;
      }
      entry.actor.send({ type: "originate.sent", at: Date.now() });
    }
    (sent as ReturnType<SwitchLink["send"]>).then(
      (outcome) => {
        if (command.type === "originate") {
          entry.actor.send({ type: "originate.result", at: Date.now(), ok: outcome.ok, cause: outcome.ok ? undefined : outcome.cause });
        } else if (!outcome.ok) {
          metrics.commandErrors.inc({ command: command.type });
          entry.actor.send({ type: "command.failed", at: Date.now(), command: command.type, error: outcome.error });
        }
      },
      (err: Error) => {
        metrics.commandErrors.inc({ command: command.type });
        if (this.calls.get(entry.id) !== entry) return;
        entry.actor.send({ type: "command.failed", at: Date.now(), command: command.type, error: err.message });
      },
    );
  }

  private refuseEnded(callId: string, command: UserCommand): CommandResult {
    const view = this.recentlyEnded.get(callId)!.view;
    return { outcome: "refused", reason: `cannot ${command.type.replace("_", " ")} on a call that has ended`, state: String(view.cdr.stateValue) };
  }

  private journal(callId: string, kind: "event" | "command" | "transition" | "refusal" | "error", name: string, data: unknown): void {
    const result = this.opts.journal.append(callId, { kind, name, data });
    if (!result.accepted) {
      this.opts.metrics.journalRefused.inc();
      log.error({ callId, kind, name, reason: result.reason }, "journal refused a row");
    }
  }
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

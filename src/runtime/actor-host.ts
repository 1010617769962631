/**
 * The actor host: every live actor of every kind, run the same way.
 *
 * - spawn()/restore() create an actor of a registered kind (kind.create, or a
 *   persisted snapshot), register it under its parent, and start it.
 * - send()/command() deliver an event; command() goes through the kind's state
 *   gate first (a refusal is journalled and never reaches the machine). Each
 *   event an actor takes is offered to its children (kind.fromParent).
 * - Every snapshot is read with kind.state(); a change of state or status is
 *   journalled (`transition`) and persisted (kind.persist).
 * - Retirement: an actor that reaches its final state is persisted, leaves the
 *   live set (kept a minute as recently ended, while its rows reach the
 *   database), and its parent and children are told.
 * - Supervision: an actor that throws is journalled (ACTOR_FAILED), leaves the
 *   live set, and its kind decides the rest (kind.crashed); the process carries on.
 * - Inspection: GET /v1/actors reads inspect() / inspectAll().
 *
 * What is specific to a kind lives in its ActorKind (actor-kind.ts); switch
 * events come in through the router (switch-router.ts) and switch commands go
 * out through the executor (switch-executor.ts).
 */
import { createActor, type AnyEventObject } from "xstate";
import type { JournalWriter } from "../db/journal.ts";
import type { CallEventKind } from "../db/schema.ts";
import { childLog } from "../log.ts";
import type { ActorInspection, ActorKindName, AnyActorEntry, AnyActorKind } from "./actor-kind.ts";
import { ActorRegistry } from "./registry.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";

const log = childLog({ mod: "runtime.host" });

/** How long a finished actor stays readable in memory while its rows reach the database. */
export const RECENTLY_ENDED_MS = 60_000;

export type HostCommandResult =
  | { outcome: "accepted"; entry: AnyActorEntry }
  | { outcome: "refused"; reason: string; state: string }
  | { outcome: "not_found" };

export interface ActorHostOptions {
  journal: Pick<JournalWriter, "append" | "forget" | "flush">;
  metrics: Pick<RuntimeMetrics, "journalRefused">;
}

interface Ended {
  entry: AnyActorEntry;
  snapshot: unknown;
  until: number;
}

export class ActorHost {
  private readonly kindsByName = new Map<ActorKindName, AnyActorKind>();
  private readonly registry = new ActorRegistry();
  private readonly recentlyEnded = new Map<string, Ended>();

  constructor(private readonly opts: ActorHostOptions) {}

  register(kind: AnyActorKind): void {
    if (this.kindsByName.has(kind.name)) throw new Error(`actor kind ${kind.name} is already registered`);
    this.kindsByName.set(kind.name, kind);
  }

  kinds(): AnyActorKind[] {
    return [...this.kindsByName.values()];
  }

  kindOf(name: ActorKindName): AnyActorKind {
    const kind = this.kindsByName.get(name);
    if (!kind) throw new Error(`no actor kind ${name} is registered`);
    return kind;
  }

  // ─── lifecycle ───────────────────────────────────────────────────────────

  /** Spawn an actor of `kind` from a request its kind understands. */
  spawn(kindName: ActorKindName, request: unknown): AnyActorEntry {
    const kind = this.kindOf(kindName);
    const now = Date.now();
    const { id, input, meta, parentId } = kind.create(request, now);
    if (this.registry.has(id)) throw new Error(`actor ${id} already exists`);
    const actor = createActor(kind.machine, { input });
    return this.attach(kind, { id, actor, meta, parentId: parentId ?? null, createdAt: now });
  }

  /**
   * Bring back an actor from its persisted snapshot (the machine input is inside
   * it). The actor is started but not yet resumed: see resume().
   */
  restore(kindName: ActorKindName, stored: { id: string; snapshot: unknown; meta: unknown; parentId?: string | null }): AnyActorEntry {
    const kind = this.kindOf(kindName);
    const actor = createActor(kind.machine, { snapshot: stored.snapshot as never, input: undefined as never });
    return this.attach(kind, { id: stored.id, actor, meta: stored.meta, parentId: stored.parentId ?? null, createdAt: Date.now() });
  }

  /** A restored actor is journalled as resumed and sent its kind's `resumed` event (re-arming its timers). */
  resume(entry: AnyActorEntry, note: string): void {
    this.journal(entry.id, "event", "RESUMED", { note });
    const event = this.kindOf(entry.kind).resumed?.(Date.now());
    if (event) this.deliver(entry, event);
  }

  private attach(
    kind: AnyActorKind,
    init: Pick<AnyActorEntry, "id" | "actor" | "meta" | "parentId" | "createdAt">,
  ): AnyActorEntry {
    const entry: AnyActorEntry = { ...init, kind: kind.name, children: new Set(), state: "", status: "" };
    this.registry.add(entry, kind.group?.(entry.meta));
    for (const [type, handler] of Object.entries(kind.emitted ?? {})) {
      entry.actor.on(type, (event: unknown) => handler(entry, event, this));
    }
    entry.actor.subscribe({
      next: (snapshot) => this.onSnapshot(kind, entry, snapshot),
      error: (err) => this.onCrash(kind, entry, err),
    });
    entry.actor.start();
    return entry;
  }

  private onSnapshot(kind: AnyActorKind, entry: AnyActorEntry, snapshot: { status: string }): void {
    const { name, status } = kind.state(snapshot);
    // Most events (DTMF, playback start) change no state: only a transition is journalled and persisted.
    if (name === entry.state && status === entry.status && snapshot.status !== "done") return;
    if (entry.state !== "" && name !== entry.state) this.journal(entry.id, "transition", `${entry.state}→${name}`, { status });
    entry.state = name;
    entry.status = status;
    kind.persist?.(entry, snapshot, snapshot.status === "active" ? entry.actor.getPersistedSnapshot() : null);
    if (snapshot.status === "done") this.retire(kind, entry, snapshot);
  }

  private retire(kind: AnyActorKind, entry: AnyActorEntry, snapshot: unknown): void {
    if (!this.release(kind, entry, snapshot)) return;
    const now = Date.now();
    this.recentlyEnded.delete(entry.id);
    this.recentlyEnded.set(entry.id, { entry, snapshot, until: now + RECENTLY_ENDED_MS });
    for (const [id, r] of this.recentlyEnded) {
      if (r.until > now) break;
      this.recentlyEnded.delete(id);
    }
    this.opts.journal.forget(entry.id);
    kind.retired?.(entry, snapshot, this);
  }

  private onCrash(kind: AnyActorKind, entry: AnyActorEntry, err: unknown): void {
    log.error({ err, actorId: entry.id, kind: kind.name }, `${kind.name} actor failed`);
    this.journal(entry.id, "error", "ACTOR_FAILED", { message: String((err as Error)?.message ?? err) });
    this.release(kind, entry, null);
    kind.crashed?.(entry, err, this);
  }

  /** The entry leaves the live set (once); its parent and children are told. */
  private release(kind: AnyActorKind, entry: AnyActorEntry, snapshot: unknown | null): boolean {
    if (!this.registry.remove(entry, kind.group?.(entry.meta))) return false;
    for (const childId of entry.children) {
      const child = this.registry.get(childId);
      const notice = child && this.kindOf(child.kind).parentGone?.(entry, snapshot);
      if (child && notice) this.deliver(child, notice);
    }
    const parent = entry.parentId !== null ? this.registry.get(entry.parentId) : undefined;
    const notice = parent && this.kindOf(parent.kind).childGone?.(entry, snapshot);
    if (parent && notice) this.deliver(parent, notice);
    return true;
  }

  // ─── events in ───────────────────────────────────────────────────────────

  /** Send an event to a live actor; false when there is none. */
  send(id: string, event: AnyEventObject): boolean {
    const entry = this.registry.get(id);
    if (!entry) return false;
    this.deliver(entry, event);
    return true;
  }

  /** The one place an event enters an actor: then each child hears of it (kind.fromParent). */
  deliver(entry: AnyActorEntry, event: AnyEventObject): void {
    if (this.registry.get(entry.id) !== entry) return;
    entry.actor.send(event);
    for (const childId of entry.children) {
      const child = this.registry.get(childId);
      const notice = child && this.kindOf(child.kind).fromParent?.(event, entry, child);
      if (child && notice) this.deliver(child, notice);
    }
  }

  /**
   * A command through the actor's state gate: refused (journalled, nothing
   * sent to the machine) or delivered. `from` names the actor that sent it,
   * when another actor did (a conversation commanding its call).
   */
  command(id: string, command: AnyEventObject, origin?: { from: string }): HostCommandResult {
    const entry = this.registry.get(id);
    if (!entry) return { outcome: "not_found" };
    const kind = this.kindOf(entry.kind);
    const snapshot = entry.actor.getSnapshot();
    const reason = kind.refusal?.(snapshot, command) ?? null;
    if (reason !== null) {
      const state = kind.state(snapshot).name;
      this.journal(id, "refusal", command.type, origin ? { reason, state, from: origin.from } : { reason, state });
      return { outcome: "refused", reason, state };
    }
    this.deliver(entry, command);
    return { outcome: "accepted", entry };
  }

  /** Every live actor of a kind hears the same event (e.g. the switch link went down). */
  broadcast(kindName: ActorKindName, event: AnyEventObject): void {
    for (const entry of this.registry.list(kindName)) this.deliver(entry, event);
  }

  // ─── reading ─────────────────────────────────────────────────────────────

  get(id: string): AnyActorEntry | undefined {
    return this.registry.get(id);
  }

  list(kind?: ActorKindName): AnyActorEntry[] {
    return this.registry.list(kind);
  }

  count(kind?: ActorKindName, group?: string): number {
    return this.registry.count(kind, group);
  }

  /** An actor that ended a moment ago: its entry and final snapshot. */
  recent(id: string): { entry: AnyActorEntry; snapshot: unknown } | undefined {
    return this.recentlyEnded.get(id);
  }

  /** A live actor, or one that ended a moment ago and whose rows may still be on their way to the database. */
  holds(id: string): boolean {
    return this.registry.has(id) || this.recentlyEnded.has(id);
  }

  inspect(id: string): ActorInspection | null {
    const entry = this.registry.get(id);
    if (!entry) return null;
    const kind = this.kindOf(entry.kind);
    const snapshot = entry.actor.getSnapshot();
    const { name, status } = kind.state(snapshot);
    return {
      id: entry.id,
      kind: entry.kind,
      state: name,
      status,
      parent: entry.parentId,
      children: [...entry.children],
      context: kind.summary(snapshot, entry),
    };
  }

  inspectAll(kind?: ActorKindName): ActorInspection[] {
    return this.registry.list(kind).flatMap((e) => this.inspect(e.id) ?? []);
  }

  // ─── journal and shutdown ────────────────────────────────────────────────

  journal(id: string, kind: CallEventKind, name: string, data: unknown): void {
    const result = this.opts.journal.append(id, { kind, name, data });
    if (!result.accepted) {
      this.opts.metrics.journalRefused.inc();
      log.error({ actorId: id, kind, name, reason: result.reason }, "journal refused a row");
    }
  }

  /** Persist every live actor's snapshot, then stop it (a call stays up on the switch for the next run). */
  async shutdown(): Promise<void> {
    for (const entry of this.registry.list()) {
      const kind = this.kindOf(entry.kind);
      const snapshot = entry.actor.getSnapshot();
      kind.persist?.(entry, snapshot, snapshot.status === "active" ? entry.actor.getPersistedSnapshot() : null);
      this.registry.remove(entry, kind.group?.(entry.meta));
      entry.actor.stop();
    }
    await this.opts.journal.flush();
  }
}

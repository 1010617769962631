/**
 * A kind of actor, as the host runs it. The host (actor-host.ts) is written
 * once — registry, routing, journal, snapshot persistence, supervision,
 * inspection — and each kind says only what differs:
 *
 *   machine        the XState machine, its invoked effects already provided
 *   create         a spawn request → the actor's id, machine input, metadata, parent
 *   state/summary  how it reads from outside: state name and status (every
 *                  snapshot, cheap) and a context summary (GET /v1/actors)
 *   persist        where its snapshot goes while it lives (a call: its CDR row,
 *                  with the persisted XState snapshot a restart resumes from)
 *   resumed        the event a restored actor gets (a call re-arms its timers)
 *   emitted        what the host does with each event the machine emits
 *   refusal        the state gate for commands sent to it (HTTP, or a child)
 *   fromSwitch     the switch's events as this kind takes them (calls only)
 *   fromParent / parentGone / childGone   notices between parent and child
 *   retired / crashed                      what else happens when it leaves
 *
 * How a conversation plugs in (the next kind): a ConversationKind whose
 * `create` returns `parentId: <callId>`; its `emitted["call.command"]` handler
 * maps the conversation's command to a call command and calls
 * `host.command(parentId, callCommand, { from: entry.id })` — the same gate an
 * HTTP command goes through — and, when that answers `refused`, sends the
 * conversation `{ type: "call.command_refused", id, reason }` with
 * `host.send(entry.id, …)`. Its `fromParent` turns the call's channel events
 * (answer, playback start/stop, DTMF, hangup) into call notices, and
 * `parentGone` tells it the call is gone. Register it with
 * `host.register(conversationKind)`; GET /v1/actors then lists it with its
 * parent, and the call lists it among its children.
 */
import type { Actor, AnyStateMachine, EventObject, InputFrom, SnapshotFrom } from "xstate";
import type { ChannelEvent } from "../../machines/switch/index.ts";
import type { ActorHost } from "./actor-host.ts";

export type ActorKindName = "call" | "conversation" | "campaign";

/** A live actor as the host holds it. */
export interface ActorEntry<M extends AnyStateMachine = AnyStateMachine, Meta = unknown> {
  readonly id: string;
  readonly kind: ActorKindName;
  readonly actor: Actor<M>;
  /** What the kind keeps beside the machine (a call: status_callback, dry_run, direction). */
  readonly meta: Meta;
  readonly parentId: string | null;
  /** Ids of live actors whose parent this is (a call's conversation, a campaign's calls). */
  readonly children: Set<string>;
  /** Epoch ms the host spawned or restored it. */
  readonly createdAt: number;
  /** The last state name and status read (kind.state); "" before the first snapshot. */
  state: string;
  status: string;
}

/** What an actor looks like from outside: GET /v1/actors. */
export interface ActorInspection {
  id: string;
  kind: ActorKindName;
  state: string;
  status: string;
  parent: string | null;
  children: string[];
  context: Record<string, unknown>;
}

/** Handles one event type the machine emits. */
export type EmittedHandler<M extends AnyStateMachine, Meta> = (entry: ActorEntry<M, Meta>, event: any, host: ActorHost) => void;

export interface ActorKind<M extends AnyStateMachine = AnyStateMachine, Spawn = unknown, Meta = unknown> {
  readonly name: ActorKindName;
  /** The machine, with its invoked effects provided (`machine.provide(...)`). */
  readonly machine: M;

  /** A spawn request → the actor's id, its machine input, its metadata and its parent. */
  create(request: Spawn, now: number): { id: string; input: InputFrom<M>; meta: Meta; parentId?: string | null };

  /** The state name and status of a snapshot: read on every snapshot, so cheap. */
  state(snapshot: SnapshotFrom<M>): { name: string; status: string };
  /** The context summary GET /v1/actors shows. */
  summary(snapshot: SnapshotFrom<M>, entry: ActorEntry<M, Meta>): Record<string, unknown>;

  /**
   * Store what the actor is now: called when its state name or status changes,
   * when it ends, and at shutdown. `persisted` is XState's persisted snapshot
   * while the actor lives (what a restart resumes from), null once it is done.
   */
  persist?(entry: ActorEntry<M, Meta>, snapshot: SnapshotFrom<M>, persisted: unknown | null): void;
  /** The event an actor restored from its persisted snapshot is sent (delays are not persisted). */
  resumed?(now: number): EventObject;

  /** What the host does with each event type the machine emits. */
  emitted?: Record<string, EmittedHandler<M, Meta>>;

  /**
   * The state gate: why the actor would refuse this command, or null when it
   * takes it. A refused command is journalled and never sent to the machine.
   */
  refusal?(snapshot: SnapshotFrom<M>, command: EventObject): string | null;

  /** The switch's events as this kind takes them (an actor whose id is a channel UUID). */
  fromSwitch?: {
    channel(event: ChannelEvent, now: number): EventObject;
    link(up: boolean, now: number): EventObject;
    /** A resync found the channel gone. */
    vanished(now: number): EventObject;
  };

  /** A child's notice of an event its parent just took (null: none); `child` is the entry that hears it. */
  fromParent?(event: EventObject, parent: ActorEntry, child: ActorEntry<M, Meta>): EventObject | null;
  /** The parent ended or failed (null snapshot: failed): the child's notice. */
  parentGone?(parent: ActorEntry, snapshot: unknown | null): EventObject | null;
  /** A child of an actor of this kind ended or failed: the parent's notice (a campaign: the call's outcome). */
  childGone?(child: ActorEntry, snapshot: unknown | null): EventObject | null;

  /** Live actors of a kind are counted per group too (calls: by direction, each limited on its own). */
  group?(meta: Meta): string;

  /** The actor reached its final state and left the live set (after persist). */
  retired?(entry: ActorEntry<M, Meta>, snapshot: SnapshotFrom<M>, host: ActorHost): void;
  /** Supervision: the actor threw and left the live set. */
  crashed?(entry: ActorEntry<M, Meta>, error: unknown, host: ActorHost): void;
}

// The host holds kinds of every machine side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActorKind = ActorKind<any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActorEntry = ActorEntry<any, any>;

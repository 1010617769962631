import type { AnyActorRef } from "xstate";

export type ActorKind = "call" | "campaign" | "conversation";

/** A live actor as the runtime holds it: the XState ref plus what inspection needs. */
export interface LiveActor {
  id: string;
  kind: ActorKind;
  ref: AnyActorRef;
  createdAt: number;
  /** Ids of actors this one spawned (a campaign's calls, a call's conversation). */
  children: Set<string>;
  parentId?: string;
}

/**
 * The registry of live actors, keyed by id. A call actor's id is its FreeSWITCH
 * channel UUID, so routing a switch event is one map lookup.
 */
export class ActorRegistry {
  private readonly actors = new Map<string, LiveActor>();

  add(actor: LiveActor): void {
    if (this.actors.has(actor.id)) throw new Error(`actor ${actor.id} is already registered`);
    this.actors.set(actor.id, actor);
    if (actor.parentId) this.actors.get(actor.parentId)?.children.add(actor.id);
  }

  get(id: string): LiveActor | undefined {
    return this.actors.get(id);
  }

  has(id: string): boolean {
    return this.actors.has(id);
  }

  remove(id: string): void {
    const actor = this.actors.get(id);
    if (!actor) return;
    this.actors.delete(id);
    if (actor.parentId) this.actors.get(actor.parentId)?.children.delete(id);
  }

  list(kind?: ActorKind): LiveActor[] {
    const all = [...this.actors.values()];
    return kind ? all.filter((a) => a.kind === kind) : all;
  }

  count(kind?: ActorKind): number {
    if (!kind) return this.actors.size;
    let n = 0;
    for (const a of this.actors.values()) if (a.kind === kind) n++;
    return n;
  }
}

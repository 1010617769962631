/**
 * The registry of live actors of every kind, keyed by id. A call actor's id is
 * its FreeSWITCH channel UUID, so routing a switch event is one map lookup.
 * It keeps parents and children linked, and counts live actors per kind and
 * per group (calls: by direction), so a limit check never walks the map.
 */
import type { ActorKindName, AnyActorEntry } from "./actor-kind.ts";

export class ActorRegistry {
  private readonly actors = new Map<string, AnyActorEntry>();
  private readonly counts = new Map<string, number>();

  /** Adds a live actor; `group` is the kind's count group, if it has one. */
  add(entry: AnyActorEntry, group?: string): void {
    if (this.actors.has(entry.id)) throw new Error(`actor ${entry.id} is already registered`);
    this.actors.set(entry.id, entry);
    this.bump(entry.kind, group, 1);
    if (entry.parentId !== null) this.actors.get(entry.parentId)?.children.add(entry.id);
  }

  get(id: string): AnyActorEntry | undefined {
    return this.actors.get(id);
  }

  has(id: string): boolean {
    return this.actors.has(id);
  }

  /** Removes this entry (not a newer one under the same id); false when it was not live. */
  remove(entry: AnyActorEntry, group?: string): boolean {
    if (this.actors.get(entry.id) !== entry) return false;
    this.actors.delete(entry.id);
    this.bump(entry.kind, group, -1);
    if (entry.parentId !== null) this.actors.get(entry.parentId)?.children.delete(entry.id);
    return true;
  }

  list(kind?: ActorKindName): AnyActorEntry[] {
    const all = [...this.actors.values()];
    return kind ? all.filter((a) => a.kind === kind) : all;
  }

  /** Live actors, of a kind, of a group of that kind. */
  count(kind?: ActorKindName, group?: string): number {
    if (!kind) return this.actors.size;
    return this.counts.get(countKey(kind, group)) ?? 0;
  }

  private bump(kind: ActorKindName, group: string | undefined, by: number): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + by);
    if (group !== undefined) this.counts.set(countKey(kind, group), (this.counts.get(countKey(kind, group)) ?? 0) + by);
  }
}

function countKey(kind: ActorKindName, group: string | undefined): string {
  return group === undefined ? kind : `${kind}/${group}`;
}

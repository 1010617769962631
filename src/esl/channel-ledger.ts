/**
 * The inbound client's ledger of the switch's live channels: which channel ids
 * are up (learned from decoded channel events, from originations the runtime
 * tracks, and from resyncs), which were destroyed recently (so a late event
 * cannot resurrect one), and the resync against `show channels as json` that
 * reports which known channels survived a reconnect, vanished, or were
 * discovered. Split from inbound-client.ts: the link and its commands are one
 * concern, the bookkeeping of what the switch holds is another.
 */
import { performance } from "node:perf_hooks";
import { childLog } from "../log.ts";
import type { ChannelSummary, ResyncReport } from "../../machines/switch/index.ts";

const log = childLog({ mod: "esl.inbound" });

/** How many destroyed channel ids are remembered so a late event cannot resurrect one. */
const RECENTLY_DESTROYED_MAX = 4096;

export class ChannelLedger {
  /** Channels we know to be up: uuid → performance.now() when first seen. */
  private readonly channels = new Map<string, number>();
  private readonly recentlyDestroyed = new Set<string>();
  private resyncWindow: { startedAt: number; destroyed: Set<string> } | null = null;

  has(uuid: string): boolean {
    return this.channels.has(uuid);
  }

  /** Channels believed to be up (a copy). */
  known(): Set<string> {
    return new Set(this.channels.keys());
  }

  /** Register a channel id the runtime originated, so a resync can report it survived or vanished. */
  track(uuid: string): void {
    if (!this.channels.has(uuid)) this.channels.set(uuid, performance.now());
  }

  /** A decoded channel event: channel.destroy forgets the channel, any other makes it known (unless just destroyed). */
  note(kind: string, uuid: string): void {
    if (kind === "channel.destroy") {
      this.forget(uuid);
      this.resyncWindow?.destroyed.add(uuid);
      return;
    }
    if (!this.channels.has(uuid) && !this.recentlyDestroyed.has(uuid)) this.channels.set(uuid, performance.now());
  }

  /**
   * Compare what we know with the switch's channel list; report survived /
   * vanished / discovered. Null when the list could not be had (known channels
   * are then kept as they are).
   */
  async resync(listChannels: () => Promise<ChannelSummary[]>): Promise<ResyncReport | null> {
    const startedAt = performance.now();
    const window = { startedAt, destroyed: new Set<string>() };
    this.resyncWindow = window;
    let rows: ChannelSummary[];
    try {
      rows = await listChannels();
    } catch (err) {
      log.warn({ err }, "ESL resync: show channels failed; known channels kept as they are");
      return null;
    } finally {
      if (this.resyncWindow === window) this.resyncWindow = null;
    }
    const live = new Set(rows.map((r) => r.uuid));
    const survived: ChannelSummary[] = [];
    const discovered: ChannelSummary[] = [];
    for (const row of rows) {
      if (this.channels.has(row.uuid)) survived.push(row);
      else if (!window.destroyed.has(row.uuid)) {
        discovered.push(row);
        this.channels.set(row.uuid, startedAt);
      }
    }
    const vanished: string[] = [];
    for (const [uuid, firstSeen] of this.channels) {
      // A channel first seen after the query went out may not be in the core db yet (written asynchronously).
      if (!live.has(uuid) && firstSeen < startedAt) vanished.push(uuid);
    }
    for (const uuid of vanished) this.forget(uuid);
    const report: ResyncReport = { survived, vanished, discovered };
    log.info({ survived: survived.length, vanished: vanished.length, discovered: discovered.length }, "ESL resync");
    return report;
  }

  private forget(uuid: string): void {
    this.channels.delete(uuid);
    this.recentlyDestroyed.add(uuid);
    if (this.recentlyDestroyed.size > RECENTLY_DESTROYED_MAX) {
      const oldest = this.recentlyDestroyed.values().next().value;
      if (oldest !== undefined) this.recentlyDestroyed.delete(oldest);
    }
  }
}

/**
 * The router: the switch's one road in. A decoded channel event goes to the
 * actor whose id is the event's Unique-ID (a call), as that actor's kind takes
 * switch events (kind.fromSwitch); it is journalled first. Link up/down reach
 * every actor of a kind that takes switch events, and a resync's vanished
 * channels end their actors as their machines decide. Channels the runtime
 * does not hold (after a restart) are reconcile.ts's.
 *
 * While a switch event is being dispatched, `dispatchingSince` holds when its
 * bytes arrived (performance.now()), so the executor can time event→command.
 */
import type { ResyncReport, SwitchEvent } from "../../machines/switch/index.ts";
import type { ActorHost } from "./actor-host.ts";
import type { AnyActorEntry, AnyActorKind } from "./actor-kind.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import type { SwitchLink } from "./switch-link.ts";

export class SwitchRouter {
  /** performance.now() of the switch event being dispatched, while its handlers run. */
  dispatchingSince: number | null = null;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly host: ActorHost,
    private readonly link: SwitchLink,
    private readonly metrics: Pick<RuntimeMetrics, "unroutedEvents">,
  ) {}

  start(): void {
    const { link } = this;
    this.unsubscribe.push(link.onEvent((e) => this.route(e)));
    link.on("disconnected", () => this.linkChanged(false));
    link.on("connected", () => this.linkChanged(true));
    link.on("resync", (report) => this.resync(report));
  }

  /** Stops routing switch events (shutdown). */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  route(event: SwitchEvent): void {
    if (event.kind === "background_job" || event.kind === "heartbeat") return;
    const target = this.switchActor(event.uuid);
    if (!target) {
      this.metrics.unroutedEvents.inc();
      return;
    }
    const { variables: _variables, ...journalled } = event;
    this.host.journal(target.entry.id, "event", event.eventName, journalled);
    this.dispatchingSince = event.receivedAt;
    try {
      this.host.deliver(target.entry, target.fromSwitch.channel(event, Date.now()));
      this.toOtherLeg(event);
    } finally {
      this.dispatchingSince = null;
    }
  }

  /**
   * FreeSWITCH fires CHANNEL_BRIDGE / CHANNEL_UNBRIDGE on the A leg only
   * (switch_ivr_bridge.c). When the B leg is a call of ours too (a warm
   * transfer's agent, joined by uuid_bridge), it hears the same bridge from its
   * side, so both calls say whom they are bridged to.
   */
  private toOtherLeg(event: SwitchEvent): void {
    if (event.kind !== "channel.bridge" && event.kind !== "channel.unbridge") return;
    const other = this.switchActor(event.otherUuid);
    if (!other || other.entry.id === event.uuid) return;
    const mirrored = { ...event, uuid: other.entry.id, otherUuid: event.uuid };
    const { variables: _variables, ...journalled } = mirrored;
    this.host.journal(other.entry.id, "event", event.eventName, { ...journalled, reportedOn: event.uuid });
    this.host.deliver(other.entry, other.fromSwitch.channel(mirrored, Date.now()));
  }

  private linkChanged(up: boolean): void {
    for (const kind of this.switchKinds()) this.host.broadcast(kind.name, kind.fromSwitch!.link(up, Date.now()));
  }

  /** Channels that ended while the link was down: their actors end as their machines say. */
  private resync(report: ResyncReport): void {
    for (const uuid of report.vanished) {
      const target = this.switchActor(uuid);
      if (!target) continue;
      this.host.journal(uuid, "event", "RESYNC_VANISHED", { note: "channel gone from the switch after a reconnect" });
      this.host.deliver(target.entry, target.fromSwitch.vanished(Date.now()));
    }
  }

  /** The actor whose id is `uuid`, with its kind's switch adapter, if its kind takes switch events. */
  private switchActor(uuid: string): { entry: AnyActorEntry; fromSwitch: NonNullable<AnyActorKind["fromSwitch"]> } | null {
    const entry = this.host.get(uuid);
    const fromSwitch = entry && this.host.kindOf(entry.kind).fromSwitch;
    return entry && fromSwitch ? { entry, fromSwitch } : null;
  }

  private switchKinds(): AnyActorKind[] {
    return this.host.kinds().filter((kind) => kind.fromSwitch !== undefined);
  }
}

import type { ChannelSummary, CommandOutcome, ResyncReport, SwitchCommand, SwitchEvent } from "../../machines/switch/index.ts";

/**
 * What the runtime needs from the switch: the one road in (events) and the one
 * road out (commands). EslInboundClient implements it over modesl, for a real
 * FreeSWITCH and for the simulator alike.
 */
export interface SwitchLink {
  readonly connected: boolean;
  send(cmd: SwitchCommand): Promise<CommandOutcome>;
  onEvent(handler: (event: SwitchEvent) => void | Promise<void>): () => void;
  showChannels(): Promise<ChannelSummary[]>;
  /** Register a channel id we originated, so a resync can tell whether it survived. */
  trackChannel(uuid: string): void;
  /** The switch's Core-UUID (new at every switch start); null until learned. */
  readonly coreUuid: string | null;
  /** Whether the switch has this channel now (throws when the link is down). */
  hasChannel(uuid: string): Promise<boolean>;
  on(event: "connected", fn: () => void): unknown;
  on(event: "disconnected", fn: (info: { reason: string }) => void): unknown;
  on(event: "resync", fn: (report: ResyncReport) => void): unknown;
  stats(): { queueDepth: number; droppedEvents: number; skippedFrames: number; unknownEvents: number; reconnects: number };
}

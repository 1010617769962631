/**
 * The switch's channel list as the core sees it: what a resync after a
 * (re)connect found, so the runtime can end calls that vanished and resume the
 * ones that survived. src/esl/show-channels.ts parses `show channels as json`
 * into it.
 */
import type { CallDirection } from "./channel-events.ts";

/** One row of `show channels as json`, the fields resync needs. */
export interface ChannelSummary {
  uuid: string;
  direction: CallDirection;
  name: string;
  state: string;
  callState: string;
  callerIdNumber: string;
  callerIdName: string;
  destination: string;
  createdEpoch: number;
}

/** What a resync after a reconnect found. */
export interface ResyncReport {
  /** Channels we knew of that are still on the switch. */
  survived: ChannelSummary[];
  /** Channels we knew of that the switch no longer has: they ended while we were away. */
  vanished: string[];
  /** Channels on the switch we did not know of (e.g. after our own restart). */
  discovered: ChannelSummary[];
}

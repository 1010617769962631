/**
 * The inbound gate: is a session on the outbound socket really the switch
 * handing us one of its channels?
 *
 * Its address was allowed already (esl/outbound-admission.ts); an address is
 * easy to share, so the gate also asks what only the switch knows:
 *  - the connect reply's Core-UUID must be the one the inbound ESL link is
 *    connected to (FreeSWITCH stamps every event, CHANNEL_DATA included, with its
 *    Core-UUID, and makes a new one at every start);
 *  - the Unique-ID must be a channel that switch has now (CHANNEL_CREATE on the
 *    link, or `uuid_exists`), so a session cannot conjure up a call.
 * Refused sessions are closed by the server; nothing is sent to the switch for
 * them (their Unique-ID may name somebody else's call).
 */
import type { OutboundCandidate, OutboundRefusalReason } from "../esl/index.ts";
import type { SwitchLink } from "./switch-link.ts";

export type InboundVetting = (candidate: OutboundCandidate) => Promise<OutboundRefusalReason | null>;

export function inboundGate(link: Pick<SwitchLink, "coreUuid" | "connected" | "hasChannel">): InboundVetting {
  return async ({ uuid, channelData }) => {
    if (!channelData.coreUuid) return "missing_core_uuid";
    // Not connected yet (or the switch never said who it is): nobody to compare with, and no way to drive the call.
    if (link.coreUuid === null) return "switch_unknown";
    if (channelData.coreUuid !== link.coreUuid) return "wrong_core_uuid";
    if (!link.connected) return "link_down";
    try {
      return (await link.hasChannel(uuid)) ? null : "unknown_channel";
    } catch {
      return "link_down";
    }
  };
}

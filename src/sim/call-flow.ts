/**
 * What happens to a channel over its life, in FreeSWITCH's event order:
 * running-state and call-state changes, ring / early media / answer,
 * bridging, DTMF, transfer, and the hangup → reporting → destroy sequence.
 * The application executor is in application-executor.ts and the hangup's
 * CDR variables in cdr-variables.ts.
 */

import { randomUUID } from "node:crypto";
import { closeContainers, startContainer } from "./application-executor.ts";
import { setCdrVariables } from "./cdr-variables.ts";
import { CALL_STATE_NUMBER, type CallState, type Channel, PCMU, type RunningState, STATE_NUMBER } from "./channel.ts";
import { type SessionBinding, SITES, type SwitchCore } from "./switch-core.ts";

// The application executor moved to application-executor.ts; its names stay importable from here.
export {
  type AppContext,
  breakMedia,
  closeContainers,
  parkChannel,
  pumpApplications,
  queueApplication,
  runApplication,
  startContainer,
} from "./application-executor.ts";

/** switch_channel_perform_set_running_state: inbound channels derive their call state from it. */
export function setRunningState(core: SwitchCore, ch: Channel, state: RunningState, stateNumber?: number): void {
  ch.runningState = state;
  ch.stateNumber = stateNumber ?? STATE_NUMBER[state];
  if (state === "CS_INIT" || state === "CS_NEW") {
    // no call-state change
  } else if (ch.direction === "inbound" && STATE_NUMBER[state] < STATE_NUMBER.CS_HANGUP) {
    if (state === "CS_ROUTING") setCallState(core, ch, "RINGING");
    else if (ch.answered) setCallState(core, ch, "ACTIVE");
    else if (ch.times.progressMedia) setCallState(core, ch, "EARLY");
  }
  core.fireChannelEvent(ch, "CHANNEL_STATE", SITES.CHANNEL_STATE, { variables: false });
}

/** switch_channel_perform_set_callstate: CHANNEL_CALLSTATE with the previous state first. */
export function setCallState(core: SwitchCore, ch: Channel, callState: CallState): void {
  if (ch.callState === callState) return;
  const original = ch.callState;
  ch.callState = callState;
  core.fireChannelEvent(ch, "CHANNEL_CALLSTATE", SITES.CHANNEL_CALLSTATE, {
    variables: false,
    before: ["Original-Channel-Call-State", original, "Channel-Call-State-Number", String(CALL_STATE_NUMBER[callState])],
  });
}

/** 180 Ringing: CHANNEL_PROGRESS, then call state RINGING. */
export function markRingReady(core: SwitchCore, ch: Channel): void {
  if (ch.times.progress || !ch.isUp) return;
  ch.times.progress = core.nowUs();
  ch.touchProfile();
  core.fireChannelEvent(ch, "CHANNEL_PROGRESS", SITES.CHANNEL_PROGRESS, { variables: true });
  setCallState(core, ch, "RINGING");
}

function negotiateMedia(ch: Channel): void {
  if (ch.codec) return;
  ch.codec = PCMU;
  ch.setVar("read_codec", PCMU.name);
  ch.setVar("read_rate", PCMU.rate);
  ch.setVar("write_codec", PCMU.name);
  ch.setVar("write_rate", PCMU.rate);
}

/** Early media (183 / pre_answer): CHANNEL_PROGRESS_MEDIA, then call state EARLY. */
export function markPreAnswered(core: SwitchCore, ch: Channel): void {
  if (ch.times.progressMedia || ch.answered || !ch.isUp) return;
  negotiateMedia(ch);
  ch.times.progressMedia = core.nowUs();
  ch.touchProfile();
  ch.answerState = "early";
  ch.setVar("endpoint_disposition", "EARLY MEDIA");
  core.fireChannelEvent(ch, "CHANNEL_PROGRESS_MEDIA", SITES.CHANNEL_PROGRESS_MEDIA, { variables: true });
  setCallState(core, ch, "EARLY");
}

/** switch_channel_perform_mark_answered: CHANNEL_ANSWER (old call state), then call state ACTIVE. */
export function markAnswered(core: SwitchCore, ch: Channel): void {
  if (ch.answered || !ch.isUp) return;
  negotiateMedia(ch);
  ch.times.answered = core.nowUs();
  ch.touchProfile();
  ch.answerState = "answered";
  ch.setVar("endpoint_disposition", "ANSWER");
  core.fireChannelEvent(ch, "CHANNEL_ANSWER", SITES.CHANNEL_ANSWER, { variables: true });
  setCallState(core, ch, "ACTIVE");
  for (const hook of ch.answerHooks.splice(0)) hook();
}

/** switch_true: "true", "yes", "on", "enabled", "active", "allow" or a non-zero number. */
export function isTrue(value: string | undefined): boolean {
  if (!value) return false;
  const v = value.toLowerCase();
  return ["true", "yes", "on", "enabled", "active", "allow", "t", "y"].includes(v) || (/^\d+$/.test(v) && Number(v) !== 0);
}

/**
 * switch_channel_flip_cid: an originated leg with no A leg swaps caller and
 * callee id on answer ("Outbound Call" becomes the caller id name) and fires
 * CALL_UPDATE with Direction: RECV.
 */
export function flipCallerId(core: SwitchCore, ch: Channel): void {
  const p = ch.profile;
  if (p.callerIdName) ch.setVar("pre_transfer_caller_id_name", p.callerIdName);
  if (p.callerIdNumber) ch.setVar("pre_transfer_caller_id_number", p.callerIdNumber);
  ch.setProfile({
    callerIdName: p.calleeIdName,
    callerIdNumber: p.calleeIdNumber,
    calleeIdName: p.callerIdName,
    calleeIdNumber: p.callerIdNumber,
  });
  ch.setVar("channel_cid_flipped", "yes");
  core.fireChannelEvent(ch, "CALL_UPDATE", SITES.CALL_UPDATE, { variables: true, before: ["Direction", "RECV"] });
}

/**
 * Hang a channel up: CHANNEL_HANGUP (Hangup-Cause in the channel data), the
 * running app and park end (UNPARK, EXECUTE_COMPLETE), CS_HANGUP, call state
 * HANGUP, CS_REPORTING, CHANNEL_HANGUP_COMPLETE (Hangup-Cause first), then
 * CHANNEL_DESTROY once no listener holds the session.
 */
export function hangupChannel(core: SwitchCore, ch: Channel, cause: string): void {
  if (!ch.isUp || ch.destroyed) return;
  ch.hangupCause = cause;
  ch.answerState = "hangup";
  ch.times.hangup = core.nowUs();
  ch.touchProfile();
  ch.stateNumber = STATE_NUMBER.CS_HANGUP;
  ch.clearTimers();
  const waiting = ch.appQueue.splice(0);
  ch.dtmfWaiter?.();
  core.fireChannelEvent(ch, "CHANNEL_HANGUP", SITES.CHANNEL_HANGUP, { variables: true });

  ch.currentApp?.interrupt("hangup");
  for (const app of waiting) app.onComplete?.();

  const peer = ch.bridgedTo;
  if (peer) {
    const aLeg = ch.otherType === "originatee" ? ch : peer;
    const mode = ch.bridgeMode;
    unbridge(core, aLeg);
    // The B leg always follows the A leg down; after the bridge app the A leg
    // carries on unless hangup_after_bridge is true; uuid_bridge ends both.
    const peerEnds = ch === aLeg || mode === "uuid" || isTrue(peer.getVar("hangup_after_bridge"));
    if (peer.isUp && peerEnds) core.after(0, () => hangupChannel(core, peer, "NORMAL_CLEARING"));
  }
  closeContainers(core, ch);
  for (const hook of ch.hangupHooks.splice(0)) hook(cause);

  setRunningState(core, ch, "CS_HANGUP");
  setCallState(core, ch, "HANGUP");
  for (const holder of [...ch.holders]) (holder as SessionBinding).onChannelHangup(ch);

  setRunningState(core, ch, "CS_REPORTING");
  setCdrVariables(ch, cause);
  core.fireChannelEvent(ch, "CHANNEL_HANGUP_COMPLETE", SITES.CHANNEL_HANGUP_COMPLETE, {
    variables: true,
    before: ["Hangup-Cause", cause],
  });
  ch.hangupCompleteFired = true;
  for (const holder of [...ch.holders]) (holder as SessionBinding).onChannelHangupComplete(ch);
  if (ch.holders.size === 0) destroyChannel(core, ch);
}

/** A listener bound to the session let go (it closed): the channel can now be destroyed. */
export function releaseHolder(core: SwitchCore, ch: Channel, holder: object): void {
  if (!ch.holders.delete(holder)) return;
  if (ch.hangupCompleteFired && ch.holders.size === 0) destroyChannel(core, ch);
}

/** CHANNEL_DESTROY (still CS_REPORTING), then CHANNEL_STATE CS_DESTROY. */
export function destroyChannel(core: SwitchCore, ch: Channel): void {
  if (ch.destroyed) return;
  ch.destroyed = true;
  core.fireChannelEvent(ch, "CHANNEL_DESTROY", SITES.CHANNEL_DESTROY, { variables: true });
  setRunningState(core, ch, "CS_DESTROY");
  core.removeChannel(ch);
}

/** A digit from the far end: a DTMF event (no variables) and the digit buffer. */
export function receiveDtmf(core: SwitchCore, ch: Channel, digit: string, source = "RTP"): void {
  if (!ch.isUp) return;
  core.fireChannelEvent(ch, "DTMF", SITES.DTMF, {
    variables: false,
    after: ["DTMF-Digit", digit, "DTMF-Duration", String(core.scenario.timing.dtmfDurationSamples), "DTMF-Source", source],
  });
  ch.dtmfBuffer += digit;
  const waiter = ch.dtmfWaiter;
  ch.dtmfWaiter = undefined;
  waiter?.();
}

/** CHANNEL_BRIDGE on the A leg; both legs learn their Other-Leg. */
export function bridgeChannels(core: SwitchCore, a: Channel, b: Channel, mode: "app" | "uuid"): void {
  const now = core.nowUs();
  a.bridgedTo = b;
  b.bridgedTo = a;
  a.bridgeMode = mode;
  b.bridgeMode = mode;
  a.otherType = "originatee";
  a.otherLeg = b;
  b.otherType = "originator";
  b.otherLeg = a;
  a.times.bridged = now;
  b.times.bridged = now;
  a.touchProfile();
  b.touchProfile();
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    x.setVar("bridge_channel", y.name);
    x.setVar("bridge_uuid", y.uuid);
    x.setVar("signal_bond", y.uuid);
    x.setVar("last_bridge_to", y.uuid);
  }
  core.fireChannelEvent(a, "CHANNEL_BRIDGE", SITES.CHANNEL_BRIDGE, {
    variables: true,
    before: ["Bridge-A-Unique-ID", a.uuid, "Bridge-B-Unique-ID", b.uuid],
  });
}

/** CHANNEL_UNBRIDGE on the A leg. */
export function unbridge(core: SwitchCore, a: Channel): void {
  const b = a.bridgedTo;
  if (!b) return;
  a.bridgedTo = undefined;
  b.bridgedTo = undefined;
  core.fireChannelEvent(a, "CHANNEL_UNBRIDGE", SITES.CHANNEL_UNBRIDGE, {
    variables: true,
    before: ["Bridge-A-Unique-ID", a.uuid, "Bridge-B-Unique-ID", b.uuid],
  });
}

/**
 * uuid_transfer: the running app and park end, the channel routes to the new
 * extension and (having no dialplan here) parks there.
 */
export function transferChannel(core: SwitchCore, ch: Channel, destination: string, dialplan: string, context: string): void {
  ch.currentApp?.interrupt("transfer");
  for (const app of ch.appQueue.splice(0)) app.onComplete?.();
  closeContainers(core, ch);
  ch.times.transfer = core.nowUs();
  ch.setProfile({ destinationNumber: destination, dialplan, context });
  setRunningState(core, ch, "CS_ROUTING");
  setRunningState(core, ch, "CS_EXECUTE");
  startContainer(core, ch, "park", "", randomUUID(), true);
}

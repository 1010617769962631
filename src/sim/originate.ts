/**
 * Outbound legs (switch_ivr_originate): create the channel, play the
 * scripted callee (ring, early media, answer or fail), and report the result
 * once the leg is answered or gone — used by the originate api and the bridge
 * application.
 */

import { randomUUID } from "node:crypto";
import { Channel } from "./channel.ts";
import { flipCallerId, hangupChannel, markAnswered, markPreAnswered, markRingReady, setRunningState } from "./call-flow.ts";
import type { DialTarget } from "./dial-string.ts";
import { startFarEnd } from "./callers.ts";
import { calleeFor, type CalleeBehaviour, type DtmfPressSpec, type SpeechSegment, type TurnSpec } from "./scenario.ts";
import { SITES, type SwitchCore } from "./switch-core.ts";

export type LegResult = { ok: true; channel: Channel } | { ok: false; cause: string; channel?: Channel };

export interface DialOptions {
  callerIdName?: string;
  callerIdNumber?: string;
  /** originate_timeout / leg_timeout / the originate timeout argument, seconds. */
  timeoutSec?: number;
  /** The A leg of a bridge: the B leg reports it as Other-Type: originator. */
  originator?: Channel;
  /** Called once: answered, or failed (the failed leg, if any, is already hung up). */
  onResult(result: LegResult): void;
}

const OUTCOME_CAUSE: Record<string, string> = {
  busy: "USER_BUSY",
  reject: "CALL_REJECTED",
  unallocated: "UNALLOCATED_NUMBER",
};

function variable(target: DialTarget, name: string): string | undefined {
  for (let i = target.variables.length - 1; i >= 0; i--) {
    const pair = target.variables[i]!;
    if (pair[0] === name) return pair[1];
  }
  return undefined;
}

/** Schedule what the far end does once the call is up: DTMF, speech, its conversation turns, hanging up. */
export function scheduleFarEnd(
  core: SwitchCore,
  ch: Channel,
  party: "callee" | "caller",
  script: { dtmf: DtmfPressSpec[]; speech: SpeechSegment[]; turns?: TurnSpec[]; hangupAfterMs?: number | undefined; hangupCause: string },
  hangupFromAnswer: boolean,
): void {
  startFarEnd(core, ch, party, script);
  if (hangupFromAnswer && script.hangupAfterMs !== undefined) {
    core.after(script.hangupAfterMs, () => hangupChannel(core, ch, script.hangupCause), ch);
  }
}

/**
 * The endpoint refused the call after switch_core_session_request_uuid made
 * the session (sofia_outgoing_channel: "Gateway 'x' is down!", "Invalid
 * Gateway"): switch_core_session_destroy runs before the session's thread
 * starts, so there is no CHANNEL_CREATE, only a bare CHANNEL_DESTROY:
 * CS_NONE with state number 0 (CS_NEW), no name (N/A), no caller profile,
 * and the five variables session_request_uuid sets.
 */
function destroyRefusedSession(core: SwitchCore, uuid: string): void {
  const ch = new Channel({
    uuid,
    name: "N/A",
    direction: "outbound",
    sessionId: core.nextSessionId(),
    nowUs: core.nowUs(),
    profile: {
      username: "",
      dialplan: "",
      callerIdName: "",
      callerIdNumber: "",
      origCallerIdName: "",
      origCallerIdNumber: "",
      calleeIdName: "",
      calleeIdNumber: "",
      networkAddr: "",
      ani: "",
      destinationNumber: "",
      source: "",
      context: "",
    },
  });
  ch.runningState = "CS_NONE";
  ch.stateNumber = 0;
  ch.setVar("direction", "outbound");
  ch.setVar("is_outbound", "true");
  ch.setVar("uuid", uuid);
  ch.setVar("call_uuid", uuid);
  ch.setVar("session_id", ch.sessionId);
  // It was a session (sessions since startup count it) for no longer than the destroy takes.
  core.addChannel(ch);
  ch.destroyed = true;
  core.fireChannelEvent(ch, "CHANNEL_DESTROY", SITES.CHANNEL_DESTROY, { variables: true });
  core.removeChannel(ch);
}

/**
 * Dial one outbound leg. Fires CHANNEL_OUTGOING, CHANNEL_STATE CS_INIT,
 * CHANNEL_CREATE, CHANNEL_ORIGINATE, CHANNEL_STATE CS_ROUTING and
 * CS_CONSUME_MEDIA, then whatever the scripted callee does. The error
 * endpoint fails with its cause and creates no channel at all; a gateway
 * that is down (or unknown) fails with GATEWAY_DOWN (INVALID_GATEWAY) after
 * a bare CHANNEL_DESTROY.
 */
export function dialOutboundLeg(core: SwitchCore, target: DialTarget, opts: DialOptions): Channel | undefined {
  if (target.endpoint === "error") {
    opts.onResult({ ok: false, cause: target.errorCause ?? "DESTINATION_OUT_OF_ORDER" });
    return undefined;
  }
  const uuid = variable(target, "origination_uuid") ?? randomUUID();
  if (core.channels.has(uuid)) {
    opts.onResult({ ok: false, cause: "DESTINATION_OUT_OF_ORDER" });
    return undefined;
  }
  // sofia_outgoing_channel looks the gateway up after it has made the session.
  const gateway = target.gateway !== undefined ? core.gateways.find(target.gateway) : undefined;
  if (target.gateway !== undefined && gateway?.status !== "up") {
    const cause = gateway ? "GATEWAY_DOWN" : "INVALID_GATEWAY";
    if (gateway) gateway.obFailedCalls++;
    destroyRefusedSession(core, uuid);
    opts.onResult({ ok: false, cause });
    return undefined;
  }
  const cidNumber =
    variable(target, "origination_caller_id_number") ?? opts.callerIdNumber ?? core.globals.get("outbound_caller_id") ?? "0000000000";
  const cidName = variable(target, "origination_caller_id_name") ?? opts.callerIdName ?? "";
  const timeoutSec =
    Number.parseInt(variable(target, "originate_timeout") ?? variable(target, "leg_timeout") ?? "", 10) || opts.timeoutSec || 60;
  const behaviour: CalleeBehaviour = calleeFor(core.scenario, target.destination);

  const ch = new Channel({
    uuid,
    name: target.channelName,
    direction: "outbound",
    sessionId: core.nextSessionId(),
    nowUs: core.nowUs(),
    profile: {
      username: "",
      dialplan: "xml",
      callerIdName: cidName,
      callerIdNumber: cidNumber,
      origCallerIdName: cidName,
      origCallerIdNumber: cidNumber,
      calleeIdName: "Outbound Call",
      calleeIdNumber: target.destination,
      networkAddr: "",
      ani: cidNumber,
      destinationNumber: target.destination,
      source: target.endpoint === "loopback" ? "mod_loopback" : "mod_sofia",
      context: target.context ?? "default",
    },
  });
  ch.calleeScript = behaviour;
  ch.hasProfile = true;
  if (opts.originator) {
    ch.otherType = "originator";
    ch.otherLeg = opts.originator;
  }
  ch.setVar("direction", "outbound");
  ch.setVar("is_outbound", "true");
  ch.setVar("uuid", uuid);
  ch.setVar("call_uuid", uuid);
  ch.setVar("session_id", ch.sessionId);
  if (target.gateway) ch.setVar("sip_gateway_name", target.gateway);
  if (target.endpoint !== "loopback") ch.setVar("sip_profile_name", target.profile);
  ch.setVar("channel_name", ch.name);
  for (const [name, value] of target.variables) ch.setVar(name, value);
  if (opts.originator) {
    ch.setVar("originator", opts.originator.uuid);
    ch.setVar("originator_codec", "PCMU");
  }
  ch.setVar("originate_early_media", "true");
  ch.setVar("originate_endpoint", target.endpoint === "user" ? "sofia" : target.endpoint);
  core.addChannel(ch);
  if (gateway) {
    gateway.obCalls++;
    // sofia_on_hangup: an outbound call that was never answered counts as failed.
    ch.hangupHooks.push(() => {
      if (!ch.answered) gateway.obFailedCalls++;
    });
  }

  let settled = false;
  const settle = (result: LegResult) => {
    if (settled) return;
    settled = true;
    opts.onResult(result);
  };
  ch.hangupHooks.push((cause) => settle({ ok: false, cause, channel: ch }));
  ch.answerHooks.push(() => {
    // An originate with no A leg flips caller / callee id once answered.
    if (!opts.originator) flipCallerId(core, ch);
    scheduleFarEnd(core, ch, "callee", behaviour, true);
    settle({ ok: true, channel: ch });
  });

  ch.runningState = "CS_NONE";
  ch.stateNumber = 1;
  core.fireChannelEvent(ch, "CHANNEL_OUTGOING", SITES.CHANNEL_OUTGOING, { variables: false });
  setRunningState(core, ch, "CS_INIT");
  ch.stateNumber = 2;
  core.fireChannelEvent(ch, "CHANNEL_CREATE", SITES.CHANNEL_CREATE, { variables: true });
  core.fireChannelEvent(ch, "CHANNEL_ORIGINATE", SITES.CHANNEL_ORIGINATE, { variables: true });
  setRunningState(core, ch, "CS_ROUTING");
  setRunningState(core, ch, "CS_CONSUME_MEDIA");

  const timing = core.scenario.timing;
  const ringMs = behaviour.ringMs ?? timing.ringMs;
  // NO_ANSWER when originate_timeout expires (capped by the scenario).
  const noAnswerMs = Math.min(timeoutSec * 1000, timing.noAnswerCapMs);

  switch (behaviour.outcome) {
    case "busy":
    case "reject":
    case "unallocated":
    case "fail": {
      const cause = behaviour.outcome === "fail" ? (behaviour.failCause ?? "NORMAL_TEMPORARY_FAILURE") : OUTCOME_CAUSE[behaviour.outcome]!;
      core.after(Math.min(ringMs, noAnswerMs), () => hangupChannel(core, ch, ringMs < noAnswerMs ? cause : "NO_ANSWER"), ch);
      break;
    }
    case "no_answer":
    case "answer":
    case "machine": {
      // 180 Ringing straight away; 183 early media and 200 OK as scripted.
      core.after(0, () => markRingReady(core, ch), ch);
      if (behaviour.earlyMediaMs !== undefined && behaviour.earlyMediaMs < noAnswerMs) {
        core.after(behaviour.earlyMediaMs, () => markPreAnswered(core, ch), ch);
      }
      if (behaviour.outcome !== "no_answer" && ringMs < noAnswerMs) {
        core.after(ringMs, () => markAnswered(core, ch), ch);
      } else {
        core.after(noAnswerMs, () => hangupChannel(core, ch, "NO_ANSWER"), ch);
      }
      break;
    }
  }
  return ch;
}

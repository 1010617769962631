/**
 * What happens to a channel over its life, in FreeSWITCH's event order:
 * running-state and call-state changes, ring / early media / answer, the
 * application executor (sendmsg execute queue, park), bridging, DTMF, and
 * the hangup → reporting → destroy sequence.
 */

import { randomUUID } from "node:crypto";
import { CALL_STATE_NUMBER, type CallState, type Channel, PCMU, type QueuedApplication, type RunningApplication, type RunningState, STATE_NUMBER } from "./channel.ts";
import { q850For } from "./hangup-causes.ts";
import { localStamp, type SessionBinding, SITES, type SwitchCore } from "./switch-core.ts";
import { APPLICATIONS } from "./applications.ts";

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

function epoch(us: number): number {
  return Math.floor(us / 1_000_000);
}

/** The CDR variables switch_channel_set_timestamps adds before CHANNEL_HANGUP_COMPLETE. */
function setCdrVariables(ch: Channel, cause: string): void {
  const t = ch.times;
  const end = t.hangup;
  const stamp = (us: number) => localStamp(us / 1000);
  ch.setVar("hangup_cause", cause);
  ch.setVar("hangup_cause_q850", q850For(cause));
  ch.setVar("digits_dialed", "none");
  ch.setVar("start_stamp", stamp(t.created));
  ch.setVar("profile_start_stamp", stamp(t.profileCreated));
  if (t.answered) ch.setVar("answer_stamp", stamp(t.answered));
  if (t.bridged) ch.setVar("bridge_stamp", stamp(t.bridged));
  if (t.progress) ch.setVar("progress_stamp", stamp(t.progress));
  if (t.progressMedia) ch.setVar("progress_media_stamp", stamp(t.progressMedia));
  ch.setVar("end_stamp", stamp(end));
  const pair = (name: string, us: number) => {
    ch.setVar(`${name}_epoch`, epoch(us));
    ch.setVar(`${name}_uepoch`, us);
  };
  pair("start", t.created);
  pair("profile_start", t.profileCreated);
  pair("answer", t.answered);
  pair("bridge", t.bridged);
  pair("last_hold", t.lastHold);
  ch.setVar("hold_accum_seconds", 0);
  ch.setVar("hold_accum_usec", 0);
  ch.setVar("hold_accum_ms", 0);
  pair("resurrect", t.resurrect);
  pair("progress", t.progress);
  pair("progress_media", t.progressMedia);
  pair("end", end);
  if (ch.lastApp) {
    ch.setVar("last_app", ch.lastApp.name);
    if (ch.lastApp.arg) ch.setVar("last_arg", ch.lastApp.arg);
  }
  const p = ch.profile;
  ch.setVar("caller_id", p.callerIdName ? `"${p.callerIdName}" <${p.callerIdNumber}>` : p.callerIdNumber);
  const since = (us: number) => (us ? us - t.created : 0);
  const secs = (us: number) => (us ? epoch(us) - epoch(t.created) : 0);
  const usec = {
    duration: end - t.created,
    bill: t.answered ? end - t.answered : 0,
    progress: since(t.progress),
    answer: since(t.answered),
    wait: since(t.bridged),
    progress_media: since(t.progressMedia),
    flow_bill: t.answered ? end - t.created : 0,
  };
  ch.setVar("duration", epoch(end) - epoch(t.created));
  ch.setVar("billsec", t.answered ? epoch(end) - epoch(t.answered) : 0);
  ch.setVar("progresssec", secs(t.progress));
  ch.setVar("answersec", secs(t.answered));
  ch.setVar("waitsec", secs(t.bridged));
  ch.setVar("progress_mediasec", secs(t.progressMedia));
  ch.setVar("flow_billsec", t.answered ? epoch(end) - epoch(t.created) : 0);
  ch.setVar("mduration", Math.floor(usec.duration / 1000));
  ch.setVar("billmsec", Math.floor(usec.bill / 1000));
  ch.setVar("progressmsec", Math.floor(usec.progress / 1000));
  ch.setVar("answermsec", Math.floor(usec.answer / 1000));
  ch.setVar("waitmsec", Math.floor(usec.wait / 1000));
  ch.setVar("progress_mediamsec", Math.floor(usec.progress_media / 1000));
  ch.setVar("flow_billmsec", Math.floor(usec.flow_bill / 1000));
  ch.setVar("uduration", usec.duration);
  ch.setVar("billusec", usec.bill);
  ch.setVar("progressusec", usec.progress);
  ch.setVar("answerusec", usec.answer);
  ch.setVar("waitusec", usec.wait);
  ch.setVar("progress_mediausec", usec.progress_media);
  ch.setVar("flow_billusec", usec.flow_bill);
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

function executeHeaders(ch: Channel, name: string, arg: string, applicationUuid: string, complete: boolean): string[] {
  const out = ["Application", name];
  // Application-Data is left out when the argument is empty.
  if (arg !== "") out.push("Application-Data", arg);
  if (complete) out.push("Application-Response", ch.getVar("current_application_response") ?? "_none_");
  out.push("Application-UUID", applicationUuid);
  return out;
}

function announceExecute(core: SwitchCore, ch: Channel, name: string, arg: string, applicationUuid: string, fromDialplan = false): void {
  // The dialplan's execute state sets the data before the name; switch_core_session_exec the other way round.
  if (fromDialplan && arg !== "") ch.setVar("current_application_data", arg);
  ch.setVar("current_application", name);
  if (arg !== "" && !fromDialplan) ch.setVar("current_application_data", arg);
  else if (arg === "") ch.unsetVar("current_application_data");
  ch.unsetVar("current_application_response");
  core.fireChannelEvent(ch, "CHANNEL_EXECUTE", SITES.CHANNEL_EXECUTE, {
    variables: true,
    after: executeHeaders(ch, name, arg, applicationUuid, false),
  });
}

function announceComplete(core: SwitchCore, ch: Channel, name: string, arg: string, applicationUuid: string): void {
  core.fireChannelEvent(ch, "CHANNEL_EXECUTE_COMPLETE", SITES.CHANNEL_EXECUTE_COMPLETE, {
    variables: true,
    after: executeHeaders(ch, name, arg, applicationUuid, true),
  });
}

/**
 * Start a blocking "container" application (park, socket): CHANNEL_EXECUTE
 * now, CHANNEL_EXECUTE_COMPLETE when the call ends or is transferred.
 */
export function startContainer(
  core: SwitchCore,
  ch: Channel,
  name: string,
  arg: string,
  applicationUuid: string,
  park: boolean,
  fromDialplan = false,
): void {
  announceExecute(core, ch, name, arg, applicationUuid, fromDialplan);
  ch.openApps.push({ name, arg, applicationUuid, parked: false });
  if (park) parkChannel(core, ch);
}

/** switch_ivr_park: CHANNEL_PARK, then queued messages are processed. */
export function parkChannel(core: SwitchCore, ch: Channel): void {
  const top = ch.openApps[ch.openApps.length - 1];
  if (top) top.parked = true;
  ch.executing = true;
  core.fireChannelEvent(ch, "CHANNEL_PARK", SITES.CHANNEL_PARK, { variables: true });
  pumpApplications(core, ch);
}

/** End open containers innermost first: CHANNEL_UNPARK if parked, then CHANNEL_EXECUTE_COMPLETE. */
export function closeContainers(core: SwitchCore, ch: Channel): void {
  while (ch.openApps.length > 0) {
    const app = ch.openApps.pop()!;
    if (app.parked) core.fireChannelEvent(ch, "CHANNEL_UNPARK", SITES.CHANNEL_UNPARK, { variables: true });
    ch.lastApp = { name: app.name, arg: app.arg };
    announceComplete(core, ch, app.name, app.arg, app.applicationUuid);
  }
}

/** Queue an application (sendmsg execute, uuid_broadcast, originate &app) on the channel. */
export function queueApplication(core: SwitchCore, ch: Channel, app: QueuedApplication): void {
  if (!ch.isUp) {
    app.onComplete?.();
    return;
  }
  ch.appQueue.push(app);
  pumpApplications(core, ch);
}

export function pumpApplications(core: SwitchCore, ch: Channel): void {
  while (!ch.currentApp && ch.isUp && ch.executing && ch.appQueue.length > 0) {
    runApplication(core, ch, ch.appQueue.shift()!);
  }
}

/** An extension whose last application finished ends the call (NORMAL_CLEARING), as the dialplan would. */
function maybeEndExtension(core: SwitchCore, ch: Channel): void {
  if (ch.isUp && ch.extensionStarted && !ch.currentApp && ch.appQueue.length === 0 && ch.openApps.length === 0) {
    hangupChannel(core, ch, "NORMAL_CLEARING");
  }
}

export interface AppContext {
  core: SwitchCore;
  ch: Channel;
  arg: string;
  applicationUuid: string;
  /** Finish the application; a response sets current_application_response (Application-Response). */
  done(response?: string): void;
  /** What to do on uuid_break / hangup / transfer; the default finishes with no response. */
  onInterrupt(handler: (reason: "break" | "hangup" | "transfer") => void): void;
}

export function runApplication(core: SwitchCore, ch: Channel, app: QueuedApplication): void {
  const name = app.name;
  // switch_loadable_module_get_application_interface: an app of a module that is not loaded does not exist.
  const impl = core.modules.hasApplication(name) ? APPLICATIONS[name.toLowerCase()] : undefined;
  if (!impl) {
    // switch_core_session_execute_application_get_flags (switch_core_session.c): "Invalid Application %s",
    // the channel is hung up with DESTINATION_OUT_OF_ORDER; no CHANNEL_EXECUTE, no EXECUTE_COMPLETE.
    if (app.setLoopVariables) {
      ch.setVar("current_loop", 1);
      ch.setVar("total_loops", app.loops);
    }
    // A static outbound socket's +OK goes out before the hangup's events and disconnect notice.
    app.onComplete?.();
    hangupChannel(core, ch, "DESTINATION_OUT_OF_ORDER");
    return;
  }
  if (impl.container) {
    startContainer(core, ch, name, app.arg, app.applicationUuid, true);
    app.onComplete?.();
    return;
  }
  let loop = 1;
  const runOnce = (): void => {
    let finished = false;
    let interruptHandler: ((reason: "break" | "hangup" | "transfer") => void) | undefined;
    const finish = (response?: string): void => {
      if (finished) return;
      finished = true;
      if (response !== undefined) ch.setVar("current_application_response", response);
      ch.currentApp = undefined;
      ch.lastApp = { name, arg: app.arg };
      announceComplete(core, ch, name, app.arg, app.applicationUuid);
      if (loop < app.loops && ch.isUp) {
        loop++;
        runOnce();
        return;
      }
      // switch_ivr_parse_event clears them once the loop is over.
      if (app.setLoopVariables) {
        ch.unsetVar("current_loop");
        ch.unsetVar("total_loops");
      }
      app.onComplete?.();
      if (ch.isUp) {
        pumpApplications(core, ch);
        maybeEndExtension(core, ch);
      }
    };
    const running: RunningApplication = {
      name,
      arg: app.arg,
      applicationUuid: app.applicationUuid,
      interrupt(reason) {
        if (finished) return;
        if (interruptHandler) interruptHandler(reason);
        else finish();
      },
    };
    ch.currentApp = running;
    if (app.setLoopVariables) {
      ch.setVar("current_loop", loop);
      ch.setVar("total_loops", app.loops);
    }
    announceExecute(core, ch, name, app.arg, app.applicationUuid);
    impl.run({
      core,
      ch,
      arg: app.arg,
      applicationUuid: app.applicationUuid,
      done: finish,
      onInterrupt(handler) {
        interruptHandler = handler;
      },
    });
  };
  runOnce();
}

/** uuid_break: stop the running media application; `all` also drops what is queued. */
export function breakMedia(ch: Channel, all: boolean): void {
  if (all) {
    for (const app of ch.appQueue.splice(0)) app.onComplete?.();
  }
  ch.currentApp?.interrupt("break");
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

/**
 * The channel's application executor: CHANNEL_EXECUTE / EXECUTE_COMPLETE with
 * their Application-* headers, blocking container applications (park,
 * socket) and park itself, the sendmsg execute queue with loops, an
 * extension that runs out, and uuid_break. Split from call-flow.ts, which
 * keeps the channel's state changes, hangup, bridging and transfer; the
 * applications themselves are in applications.ts.
 */

import type { Channel, QueuedApplication, RunningApplication } from "./channel.ts";
import { SITES, type SwitchCore } from "./switch-core.ts";
import { APPLICATIONS } from "./applications.ts";
import { hangupChannel } from "./call-flow.ts";

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

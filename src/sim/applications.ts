/**
 * The dialplan applications the simulator can execute (sendmsg execute,
 * uuid_broadcast, originate &app), one entry per application as
 * mod_dptools / mod_amd name them. Each states what it fires. The audio
 * applications (playback, speak, sleep) live in playback-apps.ts and
 * play_and_get_digits in play-and-get-digits.ts; this file keeps the call
 * control ones (bridge, amd, set, transfer, …) and the registry.
 */

import {
  type AppContext,
  bridgeChannels,
  hangupChannel,
  markAnswered,
  markPreAnswered,
  markRingReady,
  transferChannel,
} from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { parseDialString, splitArgs } from "./dial-string.ts";
import { str2cause } from "./hangup-causes.ts";
import { hashApplication } from "./mod-hash.ts";
import { dialOutboundLeg } from "./originate.ts";
import { playAndGetDigits } from "./play-and-get-digits.ts";
import { channelTimer, playback, sleep, speak } from "./playback-apps.ts";

export interface ApplicationImpl {
  /** Blocking container apps (park) stay open until hangup/transfer while queued apps keep running. */
  container?: boolean;
  run(ctx: AppContext): void;
}

/** switch_ivr_originate: DIALSTATUS of a failed originate (any other cause is its own name). */
const DIALSTATUS_OF: Readonly<Record<string, string>> = {
  ORIGINATOR_CANCEL: "CANCEL",
  USER_BUSY: "BUSY",
  NO_ANSWER: "NOANSWER",
  DESTINATION_OUT_OF_ORDER: "INVALIDARGS",
  INVALID_PROFILE: "INVALIDARGS",
  CALL_REJECTED: "DONTCALL",
};

/**
 * bridge <dial string>: dial the B leg; when it answers the A leg is answered
 * and bridged (CHANNEL_BRIDGE on A). A failed B leg hangs A up with the B
 * cause unless continue_on_fail is true.
 */
const bridge: ApplicationImpl = {
  run(ctx) {
    const { core, ch } = ctx;
    const parsed = parseDialString(ctx.arg);
    let bLeg: Channel | undefined;
    let bAnswered = false;
    const fail = (cause: string) => {
      // switch_ivr_originate's failure path, then audio_bridge_function's "Originate Failed".
      ch.setVar("originate_disposition", cause);
      ch.setVar("DIALSTATUS", DIALSTATUS_OF[cause] ?? cause);
      ch.setVar("originate_failed_cause", cause);
      const cont = ch.getVar("continue_on_fail");
      if (cont && (cont === "true" || cont.split(",").includes(cause))) ctx.done();
      else hangupChannel(core, ch, cause);
    };
    ctx.onInterrupt(() => {
      if (bLeg?.isUp && !bAnswered) hangupChannel(core, bLeg, "ORIGINATOR_CANCEL");
      ctx.done();
    });
    if (!parsed.ok) {
      fail(parsed.cause);
      return;
    }
    // switch_core_session_outgoing_channel: no endpoint interface → CHAN_NOT_IMPLEMENTED.
    if (!core.modules.hasEndpoint(parsed.target.endpoint)) {
      fail("CHAN_NOT_IMPLEMENTED");
      return;
    }
    const timeout = Number.parseInt(ch.getVar("call_timeout") ?? "", 10);
    bLeg = dialOutboundLeg(core, parsed.target, {
      originator: ch,
      callerIdName: ch.profile.callerIdName,
      callerIdNumber: ch.profile.callerIdNumber,
      ...(Number.isFinite(timeout) ? { timeoutSec: timeout } : {}),
      onResult(result) {
        if (!ch.isUp) {
          if (result.ok) hangupChannel(core, result.channel, "ORIGINATOR_CANCEL");
          return;
        }
        if (!result.ok) {
          fail(result.cause);
          return;
        }
        bAnswered = true;
        const b = result.channel;
        markAnswered(core, ch);
        ch.setVar("originate_disposition", "SUCCESS");
        ch.setVar("DIALSTATUS", "SUCCESS");
        bridgeChannels(core, ch, b, "app");
        // When B hangs up the bridge app returns and the A leg carries on.
        b.hangupHooks.push(() => ctx.done());
      },
    });
  },
};

function amdResultFor(ch: Channel): "HUMAN" | "MACHINE" | "NOTSURE" {
  const script = ch.calleeScript;
  if (!script) return "HUMAN";
  return script.amdResult ?? (script.outcome === "machine" ? "MACHINE" : "HUMAN");
}

/** mod_amd: no event; sets amd_result / amd_cause, seen as variable_amd_result in CHANNEL_EXECUTE_COMPLETE. */
const amd: ApplicationImpl = {
  run(ctx) {
    const cancel = channelTimer(ctx.core, ctx.ch, ctx.core.scenario.timing.amdMs, () => {
      const result = amdResultFor(ctx.ch);
      ctx.ch.setVar("amd_result", result);
      ctx.ch.setVar("amd_cause", result === "MACHINE" ? "LONGGREETING" : result === "HUMAN" ? "HUMAN" : "TOOLONG");
      ctx.done();
    });
    ctx.onInterrupt(() => {
      cancel();
      ctx.done();
    });
  },
};

function setVariable(ctx: AppContext): void {
  const eq = ctx.arg.indexOf("=");
  if (eq < 0) ctx.ch.unsetVar(ctx.arg.trim());
  else {
    const value = ctx.arg.slice(eq + 1);
    if (value === "") ctx.ch.unsetVar(ctx.arg.slice(0, eq));
    else ctx.ch.setVar(ctx.arg.slice(0, eq), value);
  }
  ctx.done();
}

const immediate = (fn: (ctx: AppContext) => void): ApplicationImpl => ({
  run(ctx) {
    fn(ctx);
    ctx.done();
  },
});

export const APPLICATIONS: Readonly<Record<string, ApplicationImpl>> = {
  answer: immediate((ctx) => markAnswered(ctx.core, ctx.ch)),
  pre_answer: immediate((ctx) => markPreAnswered(ctx.core, ctx.ch)),
  ring_ready: immediate((ctx) => markRingReady(ctx.core, ctx.ch)),
  playback,
  speak,
  sleep,
  play_and_get_digits: playAndGetDigits,
  bridge,
  amd,
  park: { container: true, run: () => undefined },
  hangup: {
    run(ctx) {
      // The hangup itself completes this app (EXECUTE hangup, CHANNEL_HANGUP, EXECUTE_COMPLETE hangup).
      hangupChannel(ctx.core, ctx.ch, str2cause(ctx.arg) ?? "NORMAL_CLEARING");
    },
  },
  /** mod_hash: SAF_ZOMBIE_EXEC, completes at once; the api `hash select/…` reads what it stored. */
  hash: immediate((ctx) => hashApplication(ctx.core, ctx.arg)),
  set: { run: setVariable },
  export: { run: setVariable },
  unset: immediate((ctx) => ctx.ch.unsetVar(ctx.arg.trim())),
  log: immediate(() => undefined),
  info: immediate(() => undefined),
  start_dtmf: immediate(() => undefined),
  stop_dtmf: immediate(() => undefined),
  /** echo: blocks until the call ends or is broken. */
  echo: { run: () => undefined },
  transfer: {
    run(ctx) {
      const [dest = "", dialplan = "XML", context = "default"] = splitArgs(ctx.arg);
      // transferChannel interrupts (and so completes) this application first.
      transferChannel(ctx.core, ctx.ch, dest, dialplan, context);
    },
  },
};

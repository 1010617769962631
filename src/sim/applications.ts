/**
 * The dialplan applications the simulator can execute (sendmsg execute,
 * uuid_broadcast, originate &app), one entry per application as
 * mod_dptools / mod_amd name them. Each states what it fires.
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
import { dialOutboundLeg } from "./originate.ts";
import { SITES, type SwitchCore } from "./switch-core.ts";

export interface ApplicationImpl {
  /** Blocking container apps (park) stay open until hangup/transfer while queued apps keep running. */
  container?: boolean;
  run(ctx: AppContext): void;
}

/** A cancellable timer bound to the channel (scaled by timeScale). */
function channelTimer(core: SwitchCore, ch: Channel, ms: number, fn: () => void): () => void {
  const t = core.after(ms, fn, ch);
  return () => {
    clearTimeout(t);
    ch.timers.delete(t);
  };
}

/** Nominal length of a file: silence_stream://N is N ms, file_string://a!b is two files. */
function playbackLengthMs(core: SwitchCore, path: string): number {
  const per = core.scenario.timing.playbackMs;
  const silence = /^silence_stream:\/\/(\d+)/.exec(path);
  if (silence) return Number(silence[1]);
  if (path.startsWith("file_string://")) return per * path.slice("file_string://".length).split("!").length;
  return per;
}

interface PlaybackHandle {
  /** Stop early: PLAYBACK_STOP with Playback-Status break (or done for hangup, as FreeSWITCH reports it). */
  stop(reason: "break" | "hangup"): void;
}

/**
 * switch_ivr_play_file: PLAYBACK_START, the file's length, then the
 * playback_* variables and PLAYBACK_STOP with Playback-Status done|break.
 */
function startPlayback(
  core: SwitchCore,
  ch: Channel,
  path: string,
  onEnd: (reason: "done" | "break" | "hangup") => void,
): PlaybackHandle {
  const fileHeaders: string[] = [];
  const scheme = /^([a-z_]+):\/\//.exec(path);
  if (scheme) fileHeaders.push("Playback-File-Type", scheme[1]!);
  fileHeaders.push("Playback-File-Path", path);
  core.fireChannelEvent(ch, "PLAYBACK_START", SITES.PLAYBACK_START, { variables: true, after: fileHeaders });
  const lengthMs = playbackLengthMs(core, path);
  const started = performance.now();
  let ended = false;
  const end = (reason: "done" | "break" | "hangup") => {
    if (ended) return;
    ended = true;
    cancel();
    const scale = core.opts.timeScale || 1;
    const playedMs = reason === "done" ? lengthMs : Math.min(lengthMs, Math.round((performance.now() - started) / scale));
    const samples = playedMs * 8;
    ch.setVar("playback_last_offset_pos", samples);
    ch.setVar("playback_seconds", Math.floor(playedMs / 1000));
    ch.setVar("playback_ms", playedMs);
    ch.setVar("playback_samples", samples);
    core.fireChannelEvent(ch, "PLAYBACK_STOP", SITES.PLAYBACK_STOP, {
      variables: true,
      after: [...fileHeaders, "Playback-Status", reason === "break" ? "break" : "done"],
    });
    onEnd(reason);
  };
  const cancel = channelTimer(core, ch, lengthMs, () => end("done"));
  return { stop: (reason) => end(reason) };
}

const playback: ApplicationImpl = {
  run(ctx) {
    const handle = startPlayback(ctx.core, ctx.ch, ctx.arg, (reason) =>
      ctx.done(reason === "hangup" ? "PLAYBACK ERROR" : "FILE PLAYED"),
    );
    ctx.onInterrupt((reason) => handle.stop(reason === "hangup" ? "hangup" : "break"));
  },
};

/** speak engine|voice|text: the text takes speakMsPerChar per character; no PLAYBACK events. */
const speak: ApplicationImpl = {
  run(ctx) {
    const parts = ctx.arg.split("|");
    const text = parts.length >= 3 ? parts.slice(2).join("|") : (parts[parts.length - 1] ?? "");
    const cancel = channelTimer(ctx.core, ctx.ch, text.length * ctx.core.scenario.timing.speakMsPerChar, () => ctx.done());
    ctx.onInterrupt(() => {
      cancel();
      ctx.done();
    });
  },
};

const sleep: ApplicationImpl = {
  run(ctx) {
    const ms = Number.parseInt(ctx.arg, 10);
    const cancel = channelTimer(ctx.core, ctx.ch, Number.isFinite(ms) ? ms : 0, () => ctx.done());
    ctx.onInterrupt(() => {
      cancel();
      ctx.done();
    });
  },
};

/**
 * play_and_get_digits <min> <max> <tries> <timeout ms> <terminators> <file>
 * <invalid_file> <var_name> <regexp> <digit_timeout ms>: plays the prompt
 * (a digit cuts it short), collects the far end's DTMF, and stores the
 * digits in <var_name> when they are valid.
 */
const playAndGetDigits: ApplicationImpl = {
  run(ctx) {
    const { core, ch } = ctx;
    // switch_separate_string: a quoted '…' field (e.g. a tts:// prompt) may hold spaces.
    const argv = splitArgs(ctx.arg.trim());
    const num = (i: number, fallback: number) => {
      const n = Number.parseInt(argv[i] ?? "", 10);
      return Number.isFinite(n) ? n : fallback;
    };
    const min = num(0, 0);
    const max = Math.max(1, num(1, 128));
    const tries = Math.max(1, num(2, 1));
    const timeoutMs = num(3, 5000);
    const terminators = argv[4] === "none" ? "" : (argv[4] ?? "#");
    const file = argv[5] ?? "";
    const invalidFile = argv[6] ?? "";
    const varName = argv[7] ?? "";
    const regexp = argv[8];
    const digitTimeoutMs = num(9, Math.min(timeoutMs, core.scenario.timing.digitTimeoutMs));
    let attempt = 0;
    let digits = "";
    let prompt: PlaybackHandle | undefined;
    let cancelWait: (() => void) | undefined;
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      cancelWait?.();
      ch.dtmfWaiter = undefined;
      ctx.done();
    };
    const valid = () => {
      if (digits.length < min) return false;
      if (!regexp) return true;
      try {
        return new RegExp(regexp).test(digits);
      } catch {
        return true;
      }
    };
    const endAttempt = () => {
      cancelWait?.();
      cancelWait = undefined;
      ch.dtmfWaiter = undefined;
      if (valid() && digits.length > 0) {
        if (varName) ch.setVar(varName, digits);
        finish();
        return;
      }
      if (attempt >= tries) {
        finish();
        return;
      }
      digits = "";
      const next = () => !finished && startAttempt();
      if (invalidFile && !invalidFile.startsWith("silence_stream")) {
        prompt = startPlayback(core, ch, invalidFile, (reason) => {
          prompt = undefined;
          if (reason !== "hangup") next();
        });
      } else {
        next();
      }
    };
    /** Consume buffered digits; true when the attempt is over (max digits or a terminator). */
    const consume = (): boolean => {
      while (ch.dtmfBuffer.length > 0) {
        const d = ch.dtmfBuffer[0]!;
        ch.dtmfBuffer = ch.dtmfBuffer.slice(1);
        if (terminators.includes(d)) return true;
        digits += d;
        if (digits.length >= max) return true;
      }
      return false;
    };
    const collect = () => {
      if (finished) return;
      if (consume()) {
        endAttempt();
        return;
      }
      cancelWait?.();
      cancelWait = channelTimer(core, ch, digits.length === 0 ? timeoutMs : digitTimeoutMs, () => endAttempt());
      ch.dtmfWaiter = () => collect();
    };
    const startAttempt = () => {
      attempt++;
      if (!file || ch.dtmfBuffer.length > 0) {
        collect();
        return;
      }
      prompt = startPlayback(core, ch, file, (reason) => {
        prompt = undefined;
        if (reason !== "hangup") collect();
      });
      // A digit during the prompt stops it (input callback returns BREAK).
      ch.dtmfWaiter = () => prompt?.stop("break");
    };
    ctx.onInterrupt((reason) => {
      const p = prompt;
      prompt = undefined;
      finished = true;
      cancelWait?.();
      ch.dtmfWaiter = undefined;
      p?.stop(reason === "hangup" ? "hangup" : "break");
      ctx.done();
    });
    startAttempt();
  },
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
      ch.setVar("originate_disposition", cause);
      ch.setVar("DIALSTATUS", cause === "USER_BUSY" ? "BUSY" : cause === "NO_ANSWER" ? "NOANSWER" : "FAIL");
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

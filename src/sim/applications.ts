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
import { botSpeechStarts, playedText } from "./channel-media.ts";
import { type MediaOpen, openMedia } from "./media-files.ts";
import { playbackCounters } from "./playback-counters.ts";
import { hashApplication } from "./mod-hash.ts";
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

interface PlaybackHandle {
  /** Stop early: PLAYBACK_STOP with Playback-Status break (or done for hangup, as FreeSWITCH reports it). */
  stop(reason: "break" | "hangup"): void;
}

/**
 * switch_ivr_play_file once the file is open: PLAYBACK_START, the file's
 * length, then the playback_* variables and PLAYBACK_STOP with
 * Playback-Status done|break.
 */
function startPlayback(
  core: SwitchCore,
  ch: Channel,
  media: Extract<MediaOpen, { found: true }>,
  onEnd: (reason: "done" | "break" | "hangup") => void,
): PlaybackHandle {
  const fileHeaders: string[] = [];
  if (media.fileType) fileHeaders.push("Playback-File-Type", media.fileType);
  fileHeaders.push("Playback-File-Path", media.path);
  core.fireChannelEvent(ch, "PLAYBACK_START", SITES.PLAYBACK_START, { variables: true, after: fileHeaders });
  const lengthMs = media.lengthMs;
  const started = performance.now();
  // What the far end hears (the channel's WRITE audio; reactive callers listen to it).
  const endSpeech = botSpeechStarts(core, ch, "playback", media.path, playedText(media.path), lengthMs === null ? null : core.scaled(lengthMs));
  let ended = false;
  const end = (reason: "done" | "break" | "hangup") => {
    if (ended) return;
    ended = true;
    cancel();
    const scale = core.opts.timeScale || 1;
    const counters = playbackCounters({
      lengthMs,
      elapsedMs: (performance.now() - started) / scale,
      finished: reason === "done",
      channelRate: ch.codec?.rate ?? 8000,
      ...(media.sampleRate !== undefined ? { nativeRate: media.sampleRate } : {}),
    });
    ch.setVar("playback_last_offset_pos", counters.offsetPos);
    ch.setVar("playback_seconds", counters.seconds);
    ch.setVar("playback_ms", counters.ms);
    ch.setVar("playback_samples", counters.samples);
    endSpeech(reason !== "done");
    core.fireChannelEvent(ch, "PLAYBACK_STOP", SITES.PLAYBACK_STOP, {
      variables: true,
      after: [...fileHeaders, "Playback-Status", reason === "break" ? "break" : "done"],
    });
    onEnd(reason);
  };
  // A stream that never ends (silence_stream://-1, ;loops=-1) plays until broken or hung up.
  const cancel = lengthMs === null ? () => undefined : channelTimer(core, ch, lengthMs, () => end("done"));
  return { stop: (reason) => end(reason) };
}

/**
 * mod_dptools playback_function: Application-Response FILE PLAYED (played or
 * broken), FILE NOT FOUND (switch_ivr_play_file could not open it: a missing
 * file, or a format whose module is not loaded: no PLAYBACK events), or
 * PLAYBACK ERROR (no file given, or the call went down while playing).
 */
const playback: ApplicationImpl = {
  run(ctx) {
    // "file@@<samples>" starts at an offset.
    let file = ctx.arg;
    const at = file.indexOf("@");
    if (at >= 0 && file[at + 1] === "@") file = file.slice(0, at);
    if (file === "") {
      ctx.done("PLAYBACK ERROR");
      return;
    }
    const media = openMedia(ctx.core, ctx.ch, file);
    if (!media.found) {
      ctx.done("FILE NOT FOUND");
      return;
    }
    const handle = startPlayback(ctx.core, ctx.ch, media, (reason) => ctx.done(reason === "hangup" ? "PLAYBACK ERROR" : "FILE PLAYED"));
    ctx.onInterrupt((reason) => handle.stop(reason === "hangup" ? "hangup" : "break"));
  },
};

/**
 * mod_dptools speak_function: "engine|voice|text", "voice|text" or "text",
 * the missing parts from tts_engine / tts_voice. With no engine or voice it
 * hangs the call up (DESTINATION_OUT_OF_ORDER); with an engine whose module
 * is not loaded (or a voice flite does not have) switch_ivr_speak_text
 * returns at once ("Invalid TTS module"), Application-Response _none_. The
 * text takes speakMsPerChar per character; speak fires no PLAYBACK events.
 */
const speak: ApplicationImpl = {
  run(ctx) {
    const { core, ch } = ctx;
    if (ctx.arg === "") {
      ctx.done(); // "Invalid Params!"
      return;
    }
    const parts = splitFields(ctx.arg, "|", 3);
    const text = parts[parts.length - 1] ?? "";
    const engine = parts.length === 3 ? parts[0] : ch.getVar("tts_engine");
    const voice = parts.length >= 2 ? parts[parts.length - 2] : ch.getVar("tts_voice");
    if (!engine || !voice) {
      hangupChannel(core, ch, "DESTINATION_OUT_OF_ORDER");
      ctx.done();
      return;
    }
    if (!core.modules.canSpeak(engine, voice)) {
      ctx.done();
      return;
    }
    const lengthMs = text.length * core.scenario.timing.speakMsPerChar;
    // What the far end hears (the channel's WRITE audio; reactive callers listen to it).
    const endSpeech = botSpeechStarts(core, ch, "speak", ctx.arg, text, core.scaled(lengthMs));
    const cancel = channelTimer(core, ch, lengthMs, () => {
      endSpeech(false);
      ctx.done();
    });
    ctx.onInterrupt(() => {
      cancel();
      endSpeech(true);
      ctx.done();
    });
  },
};

/** switch_separate_string with at most `max` fields: the last keeps the rest. */
function splitFields(text: string, sep: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (out.length < max - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

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
 * <invalid_file> <var_name> <regexp> <digit_timeout ms> (mod_dptools,
 * switch_play_and_get_digits / switch_ivr_read in switch_ivr_play_say.c).
 * Each try clears <var_name>, plays the prompt (a digit cuts it short) and
 * collects the far end's DTMF; valid digits go into <var_name>. A try that
 * fails plays <invalid_file>. A prompt that cannot be opened (missing, or
 * its format's module not loaded) ends the try at once with no digits
 * collected, so the app returns after the invalid-file plays with <var_name>
 * and read_result unset (a try that collected sets read_result to success,
 * timeout, or failure for fewer than <min> digits). Application-Response
 * stays _none_.
 */
const playAndGetDigits: ApplicationImpl = {
  run(ctx) {
    const { core, ch } = ctx;
    // switch_separate_string: a quoted '…' field (e.g. a tts:// prompt) may hold spaces.
    const argv = splitArgs(ctx.arg.trim());
    if (argv.length === 0) {
      ctx.done(); // "No arguments specified."
      return;
    }
    const num = (i: number, fallback: number) => {
      const n = Number.parseInt(argv[i] ?? "", 10);
      return Number.isFinite(n) ? n : fallback;
    };
    const min = Math.max(0, num(0, 0));
    const max = Math.max(min, num(1, 0), 1);
    // A negative try count never runs out (while (max_tries) … max_tries--).
    const triesArg = num(2, 0);
    const tries = triesArg < 0 ? Number.POSITIVE_INFINITY : triesArg;
    const timeoutMs = Math.max(1000, num(3, 1000));
    const terminators = argv[4] === "none" ? "" : argv[4] || "#";
    const file = argv[5] ?? "";
    const invalidFile = argv[6] ?? "";
    const varName = argv[7] ?? "";
    const regexp = argv[8];
    const digitTimeoutMs = num(9, 0) || Math.min(timeoutMs, core.scenario.timing.digitTimeoutMs);
    let attempt = 0;
    let digits = "";
    let terminator = "";
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
    const regexOk = () => {
      if (!regexp) return true;
      try {
        return new RegExp(regexp).test(digits);
      } catch {
        return true;
      }
    };
    /** A failed try: the invalid-input file plays (digits do not cut it short), then the next try or the end. */
    const failTry = () => {
      const next = () => {
        if (finished || !ch.isUp) return;
        if (attempt >= tries) finish();
        else startAttempt();
      };
      const media = invalidFile ? openMedia(core, ch, invalidFile) : undefined;
      if (!media?.found) {
        next();
        return;
      }
      prompt = startPlayback(core, ch, media, (reason) => {
        prompt = undefined;
        if (reason !== "hangup") next();
      });
    };
    /** Collection is over: by a terminator or max digits (SWITCH_STATUS_SUCCESS), or by a timeout. */
    const endAttempt = (timedOut: boolean) => {
      cancelWait?.();
      cancelWait = undefined;
      ch.dtmfWaiter = undefined;
      if (terminator) ch.setVar("read_terminator_used", terminator);
      // switch_ivr_read: fewer than min digits is TOO_SMALL → "failure".
      ch.setVar("read_result", min > 0 && digits.length < min ? "failure" : timedOut ? "timeout" : "success");
      // switch_ivr_read stores whatever it collected; only a regexp mismatch clears it again.
      if (varName && digits) ch.setVar(varName, digits);
      // min 0 and only a terminator pressed: success with no digits.
      if (min === 0 && digits === "" && terminator) {
        finish();
        return;
      }
      if (digits.length > 0 && digits.length >= min) {
        if (regexOk()) {
          finish();
          return;
        }
        if (varName) {
          ch.unsetVar(varName);
          ch.setVar(`${varName}_invalid`, digits);
        }
      }
      failTry();
    };
    /** Consume buffered digits; true when the try is over (max digits or a terminator). */
    const consume = (): boolean => {
      while (ch.dtmfBuffer.length > 0) {
        const d = ch.dtmfBuffer[0]!;
        ch.dtmfBuffer = ch.dtmfBuffer.slice(1);
        if (terminators.includes(d)) {
          terminator = d;
          return true;
        }
        digits += d;
        if (digits.length >= max) return true;
      }
      return false;
    };
    const collect = () => {
      if (finished) return;
      if (consume()) {
        endAttempt(false);
        return;
      }
      cancelWait?.();
      cancelWait = channelTimer(core, ch, digits.length === 0 ? timeoutMs : digitTimeoutMs, () => endAttempt(true));
      ch.dtmfWaiter = () => collect();
    };
    const startAttempt = () => {
      attempt++;
      digits = "";
      terminator = "";
      // switch_ivr_read clears read_result and the variable before it reads; a prompt that
      // does not open returns before read_result is set again, so it stays unset.
      ch.unsetVar("read_result");
      if (varName) ch.unsetVar(varName);
      if (!file || file.toLowerCase() === "silence") {
        collect();
        return;
      }
      const media = openMedia(core, ch, file);
      if (!media.found) {
        // switch_ivr_play_file: SWITCH_STATUS_NOTFOUND; switch_ivr_read returns before collecting.
        failTry();
        return;
      }
      if (ch.dtmfBuffer.length > 0) {
        collect();
        return;
      }
      prompt = startPlayback(core, ch, media, (reason) => {
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
    if (varName && regexp) ch.unsetVar(`${varName}_invalid`);
    if (tries === 0) {
      finish();
      return;
    }
    startAttempt();
  },
};

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

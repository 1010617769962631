/**
 * The applications that hold a channel for a timed stretch of audio or
 * silence: playback (switch_ivr_play_file with its PLAYBACK_START/STOP and
 * playback_* variables), speak (mod_dptools speak_function) and sleep. They
 * share the channel-bound timer and the file-playing core, which
 * play_and_get_digits reuses for its prompts; kept apart from the dialplan
 * application registry so that one file owns how simulated audio plays out.
 */

import type { ApplicationImpl } from "./applications.ts";
import { hangupChannel } from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { botSpeechStarts, playedText } from "./channel-media.ts";
import { type MediaOpen, openMedia } from "./media-files.ts";
import { playbackCounters } from "./playback-counters.ts";
import { SITES, type SwitchCore } from "./switch-core.ts";

/** A cancellable timer bound to the channel (scaled by timeScale). */
export function channelTimer(core: SwitchCore, ch: Channel, ms: number, fn: () => void): () => void {
  const t = core.after(ms, fn, ch);
  return () => {
    clearTimeout(t);
    ch.timers.delete(t);
  };
}

export interface PlaybackHandle {
  /** Stop early: PLAYBACK_STOP with Playback-Status break (or done for hangup, as FreeSWITCH reports it). */
  stop(reason: "break" | "hangup"): void;
}

/**
 * switch_ivr_play_file once the file is open: PLAYBACK_START, the file's
 * length, then the playback_* variables and PLAYBACK_STOP with
 * Playback-Status done|break.
 */
export function startPlayback(
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
export const playback: ApplicationImpl = {
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
export const speak: ApplicationImpl = {
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

export const sleep: ApplicationImpl = {
  run(ctx) {
    const ms = Number.parseInt(ctx.arg, 10);
    const cancel = channelTimer(ctx.core, ctx.ch, Number.isFinite(ms) ? ms : 0, () => ctx.done());
    ctx.onInterrupt(() => {
      cancel();
      ctx.done();
    });
  },
};

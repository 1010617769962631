/**
 * Which files the simulated switch can open for playback, as
 * switch_ivr_play_file and switch_core_file_open decide it: a `<scheme>://`
 * stream needs its module's file interface; a plain path is prefixed with
 * sound_prefix when relative, needs the module of its extension, and must
 * exist — which here means it is listed in the scenario's `files`.
 */

import { audioLengthOfBytes, audioLengthOfFile, existsOnDisk } from "./audio-file-length.ts";
import { audioStreamTempFile } from "./audio-stream.ts";
import type { Channel } from "./channel.ts";
import { extensionModule } from "./modules.ts";
import type { SwitchCore } from "./switch-core.ts";

export type MediaOpen =
  | {
      found: true;
      /** Playback-File-Path: a relative sound is reported with sound_prefix in front. */
      path: string;
      /** How long it plays; null = until broken or hung up (silence_stream://-1, loops=-1). */
      lengthMs: number | null;
      /** Playback-File-Type: switch_ivr_play_file names only these two. */
      fileType?: "tone_stream" | "local_stream";
      /** The file's own sample rate (fh->native_rate) when known; else the channel's. */
      sampleRate?: number;
    }
  | {
      found: false;
      /** What FreeSWITCH logs (for the simulator's debug log and tests). */
      reason: string;
    };

/** mod_sndfile tries <dir>/<rate>/<name> first: the channel's rate, then 48000, 32000, 16000, 8000 (mod_sndfile.c). */
const SNDFILE_RATES = [48000, 32000, 16000, 8000];

function soundPrefix(core: SwitchCore, ch: Channel): string {
  // switch_channel_get_variable falls back to the global variables; play_file falls back to the base dir.
  return ch.getVar("sound_prefix") ?? core.globals.get("sound_prefix") ?? core.globals.get("base_dir") ?? "/usr/local/freeswitch";
}

/** Leading {var=value} blocks of a file string (switch_core_file_open parses them as file params). */
function stripParams(file: string): string {
  let rest = file;
  while (rest.startsWith("{")) {
    const end = rest.indexOf("}");
    if (end < 0) break;
    rest = rest.slice(end + 1).trimStart();
  }
  return rest;
}

/** teletone: the length of the %(on,off,freq…) segments, times ;loops=N (-1 = forever). */
function toneLengthMs(core: SwitchCore, spec: string): number | null {
  let loops = 1;
  const loopAt = spec.toLowerCase().indexOf(";loops=");
  let body = spec;
  if (loopAt >= 0) {
    const n = Number.parseInt(spec.slice(loopAt + 7), 10);
    if (Number.isFinite(n)) loops = n;
    body = spec.slice(0, loopAt);
  }
  if (loops < 0) return null;
  let ms = 0;
  for (const m of body.matchAll(/%\((\d+),(\d+)/g)) ms += Number(m[1]) + Number(m[2]);
  if (ms === 0) return core.scenario.timing.playbackMs;
  return ms * Math.max(1, loops);
}

/**
 * Is this absolute path one of the scenario's files (relative entries are
 * sounds under the prefix)? An entry ending in "/" is a directory the switch
 * shares with this machine: a file under it exists when it is on disk here
 * (the runtime's rendered TTS files, on the same host path).
 */
function listed(core: SwitchCore, prefix: string, path: string): boolean {
  for (const entry of core.scenario.files) {
    const abs = entry.startsWith("/") ? entry : `${prefix}/${entry}`;
    if (abs === path) return true;
    if (abs.endsWith("/") && path.startsWith(abs) && !path.slice(abs.length).split("/").includes("..") && existsOnDisk(path)) return true;
  }
  return false;
}

/** A plain file path: the module of its extension, then the file itself (with mod_sndfile's rate directories). */
function openPlainFile(core: SwitchCore, ch: Channel, prefix: string, path: string): MediaOpen {
  const dot = path.lastIndexOf(".");
  if (dot < 0) return { found: false, reason: `Unknown file Format [${path}]` };
  const ext = path.slice(dot + 1);
  if (!core.modules.hasExtension(ext)) return { found: false, reason: `Invalid file format [${ext}] for [${path}]!` };
  const candidates = [path];
  if (extensionModule(ext) === "mod_sndfile") {
    const slash = path.lastIndexOf("/");
    if (slash >= 0) {
      const dir = path.slice(0, slash + 1);
      const name = path.slice(slash + 1);
      const rate = ch.codec?.rate ?? 8000;
      candidates.unshift(...[rate, ...SNDFILE_RATES].map((r) => `${dir}${r}/${name}`));
    }
  }
  // A file mod_audio_stream wrote for a streamAudio message (in the simulator's memory).
  const temp = audioStreamTempFile(core, path);
  if (temp) {
    const measured = audioLengthOfBytes(temp.bytes, ext);
    return { found: true, path, lengthMs: measured?.lengthMs ?? core.scenario.timing.playbackMs, ...(measured ? { sampleRate: measured.sampleRate } : {}) };
  }
  const hit = candidates.find((c) => listed(core, prefix, c));
  if (hit !== undefined) {
    // A file that is really on this machine's disk plays for as long as it lasts; a listed name alone, the default.
    const measured = audioLengthOfFile(hit, ext);
    return { found: true, path, lengthMs: measured?.lengthMs ?? core.scenario.timing.playbackMs, ...(measured ? { sampleRate: measured.sampleRate } : {}) };
  }
  return { found: false, reason: `Error Opening File [${path}] [System error : No such file or directory.]` };
}

/** A `<scheme>://` stream whose module is loaded. */
function openStream(core: SwitchCore, ch: Channel, prefix: string, file: string, scheme: string, rest: string): MediaOpen {
  const timing = core.scenario.timing;
  switch (scheme) {
    case "silence_stream": {
      // mod_tone_stream: atoi(path) == 0 fails to open; below 0 is silence forever.
      const ms = Number.parseInt(rest, 10) || 0;
      if (ms === 0) return { found: false, reason: `Invalid Input [${rest}] Expect <msec>[,<silence_factor>]` };
      return { found: true, path: file, lengthMs: ms > 0 ? ms : null };
    }
    case "tone_stream":
      return { found: true, path: file, lengthMs: toneLengthMs(core, rest), fileType: "tone_stream" };
    case "local_stream":
      return { found: true, path: file, lengthMs: timing.playbackMs, fileType: "local_stream" };
    case "file_string": {
      // mod_dptools next_file: each part opens in turn; a part that fails is skipped ("Can't open file").
      let total = 0;
      let forever = false;
      let any = false;
      let last = "";
      for (const part of rest.split("!")) {
        const opened = openPart(core, ch, prefix, part);
        if (!opened.found) {
          last = opened.reason;
          continue;
        }
        any = true;
        if (opened.lengthMs === null) forever = true;
        else total += opened.lengthMs;
      }
      if (!any) return { found: false, reason: last || `Can't open file ${file}` };
      return { found: true, path: file, lengthMs: forever ? null : total };
    }
    case "file":
      // mod_dptools file_url: file://<path> opens <path> itself.
      return openPlainFile(core, ch, prefix, rest);
    case "tts": {
      // mod_ssml tts_file_open: exactly engine|voice|text, then switch_core_speech_open.
      const bar1 = rest.indexOf("|");
      const bar2 = bar1 < 0 ? -1 : rest.indexOf("|", bar1 + 1);
      if (bar2 < 0) return { found: false, reason: `Invalid tts:// format [${rest}]` };
      const engine = rest.slice(0, bar1);
      const voice = rest.slice(bar1 + 1, bar2);
      const text = rest.slice(bar2 + 1);
      if (!core.modules.canSpeak(engine, voice)) return { found: false, reason: `Invalid speech module [${engine}]!` };
      return { found: true, path: file, lengthMs: text.length * timing.speakMsPerChar };
    }
    default:
      // ssml, http(s), http_cache, shout: the simulated world can fetch any URL.
      return { found: true, path: file, lengthMs: timing.playbackMs };
  }
}

/** One file as switch_core_file_open opens it: streams by scheme, else a (prefixed) path. */
function openPart(core: SwitchCore, ch: Channel, prefix: string, file: string): MediaOpen {
  const bare = stripParams(file);
  const sep = bare.indexOf("://");
  if (sep >= 0) {
    const scheme = bare.slice(0, sep);
    const rest = bare.slice(sep + 3);
    // switch_core_file.c: no file interface for the scheme.
    if (!core.modules.hasStreamFormat(scheme)) return { found: false, reason: `Invalid file format [${scheme}] for [${rest}]!` };
    return openStream(core, ch, prefix, file, scheme.toLowerCase(), rest);
  }
  const path = bare.startsWith("/") ? bare : `${prefix}/${bare}`;
  return openPlainFile(core, ch, prefix, path);
}

/**
 * switch_ivr_play_file's open: a relative path gets sound_prefix; a path
 * with no extension is tried as <file>.<codec> and then <file>.wav
 * (native_backup_extension). Not found means SWITCH_STATUS_NOTFOUND:
 * no PLAYBACK_START, and playback reports "FILE NOT FOUND".
 */
export function openMedia(core: SwitchCore, ch: Channel, file: string): MediaOpen {
  const prefix = soundPrefix(core, ch);
  const bare = stripParams(file);
  if (bare.includes("://")) return openPart(core, ch, prefix, file);
  const path = bare.startsWith("/") ? bare : `${prefix}/${bare}`;
  // strrchr(file, '.') over the whole path, as switch_ivr_play_file does.
  if (path.includes(".")) return openPlainFile(core, ch, prefix, path);
  const native = openPlainFile(core, ch, prefix, `${path}.${ch.codec?.name ?? "PCMU"}`);
  if (native.found) return native;
  return openPlainFile(core, ch, prefix, `${path}.${ch.getVar("native_backup_extension") ?? "wav"}`);
}

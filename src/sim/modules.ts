/**
 * The modules the simulated switch has loaded, and which module provides each
 * application, api command, file format, TTS engine and endpoint the
 * simulator knows. By default the loaded set is the one the shipped
 * freeswitch-conf/autoload_configs/modules.conf.xml loads, read from the file,
 * so a module missing there fails in the simulator as on a real switch.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The modules.conf.xml Switchboard ships for a real FreeSWITCH. */
export const SHIPPED_MODULES_CONF = fileURLToPath(new URL("../../freeswitch-conf/autoload_configs/modules.conf.xml", import.meta.url));

export class ModulesConfError extends Error {
  override name = "ModulesConfError";
}

/**
 * The `<load module="…"/>` entries of a modules.conf.xml, in order, leaving
 * out commented ones (switch_loadable_module_init reads modules.conf the same way).
 */
export function parseModulesConf(xml: string): string[] {
  const live = xml.replace(/<!--[\s\S]*?-->/g, "");
  const modules: string[] = [];
  for (const m of live.matchAll(/<load\b[^>]*?\bmodule\s*=\s*(["'])([^"']*)\1[^>]*>/g)) {
    const name = m[2]!.trim();
    if (name && !modules.includes(name)) modules.push(name);
  }
  return modules;
}

const confCache = new Map<string, readonly string[]>();

/** Read and parse a modules.conf.xml; throws ModulesConfError naming the file. */
export function readModulesConf(path: string = SHIPPED_MODULES_CONF): readonly string[] {
  const cached = confCache.get(path);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ModulesConfError(`cannot read modules.conf ${path}: ${(err as Error).message}`);
  }
  const modules = parseModulesConf(text);
  if (modules.length === 0) throw new ModulesConfError(`modules.conf ${path} loads no module`);
  confCache.set(path, modules);
  return modules;
}

/** Application → the module that registers it (SWITCH_ADD_APP), for every app the simulator runs. */
export const APPLICATION_MODULES: Readonly<Record<string, string>> = {
  answer: "mod_dptools",
  pre_answer: "mod_dptools",
  ring_ready: "mod_dptools",
  playback: "mod_dptools",
  speak: "mod_dptools",
  sleep: "mod_dptools",
  play_and_get_digits: "mod_dptools",
  bridge: "mod_dptools",
  park: "mod_dptools",
  hangup: "mod_dptools",
  set: "mod_dptools",
  export: "mod_dptools",
  unset: "mod_dptools",
  log: "mod_dptools",
  info: "mod_dptools",
  start_dtmf: "mod_dptools",
  stop_dtmf: "mod_dptools",
  echo: "mod_dptools",
  transfer: "mod_dptools",
  hash: "mod_hash",
  amd: "mod_amd",
  socket: "mod_event_socket",
};

/** api command → its module (SWITCH_ADD_API); every command not listed here is mod_commands'. */
const API_MODULE_EXCEPTIONS: Readonly<Record<string, string>> = {
  hash: "mod_hash",
  sofia: "mod_sofia",
  uuid_audio_stream: "mod_audio_stream",
};

export function apiModule(command: string): string {
  return API_MODULE_EXCEPTIONS[command.toLowerCase()] ?? "mod_commands";
}

/**
 * Stream schemes (`<scheme>://…`, the file interface's extens) → module.
 * http/https: mod_httapi registers them always; mod_http_cache only with
 * enable-file-formats=true in http_cache.conf (default false), which the
 * simulator does not read, so it counts mod_httapi only.
 */
export const STREAM_FORMAT_MODULES: Readonly<Record<string, string>> = {
  tone_stream: "mod_tone_stream",
  silence_stream: "mod_tone_stream",
  file_string: "mod_dptools",
  file: "mod_dptools",
  tts: "mod_ssml",
  ssml: "mod_ssml",
  local_stream: "mod_local_stream",
  http: "mod_httapi",
  https: "mod_httapi",
  http_cache: "mod_http_cache",
  shout: "mod_shout",
};

/**
 * The extensions mod_sndfile registers: libsndfile's major formats (1.2, as
 * Debian 12 ships it; MPEG brings mp3) and mod_sndfile's extras (mod_sndfile.c setup_formats).
 */
const SNDFILE_EXTENSIONS = [
  "wav", "aiff", "au", "raw", "paf", "svx", "nist", "voc", "sf", "w64", "mat", "pvf", "xi", "htk", "sds", "avr",
  "sd2", "flac", "caf", "wve", "oga", "mpc", "rf64", "mp3",
  "r8", "r16", "r24", "r32", "gsm", "ul", "ulaw", "al", "alaw", "adpcm", "vox", "ogg",
];

/** mod_native_file registers each codec's IANA name as an extension (file.PCMU plays without transcoding). */
const NATIVE_EXTENSIONS = ["PCMU", "PCMA", "G722", "G729", "GSM", "G726-32", "L16", "OPUS", "AMR", "iLBC", "SPEEX"];

/** File extension (a path without `://`) → module. */
export function extensionModule(ext: string): string | undefined {
  if (SNDFILE_EXTENSIONS.includes(ext.toLowerCase())) return "mod_sndfile";
  if (NATIVE_EXTENSIONS.some((n) => n.toLowerCase() === ext.toLowerCase())) return "mod_native_file";
  if (["mp4", "mov", "m4a", "webm", "mkv"].includes(ext.toLowerCase())) return "mod_av";
  return undefined;
}

/** TTS engine (the speech interface name) → module. */
export const TTS_ENGINE_MODULES: Readonly<Record<string, string>> = {
  flite: "mod_flite",
  tts_commandline: "mod_tts_commandline",
  cepstral: "mod_cepstral",
  unimrcp: "mod_unimrcp",
};

/** The voices flite_speech_open accepts (mod_flite.c); any other voice fails to open. */
export const FLITE_VOICES: readonly string[] = ["awb", "kal", "kal16", "rms", "slt"];

/** Endpoint (dial-string technology) → module. */
export const ENDPOINT_MODULES: Readonly<Record<string, string>> = {
  sofia: "mod_sofia",
  loopback: "mod_loopback",
  user: "mod_dptools",
  error: "mod_dptools",
};

/** What the simulated switch has loaded. */
export class ModuleSet {
  private readonly loaded: ReadonlySet<string>;

  constructor(modules: Iterable<string>) {
    this.loaded = new Set([...modules].map((m) => m.trim()).filter(Boolean));
  }

  /** module_exists: is this module loaded? */
  has(module: string): boolean {
    return this.loaded.has(module);
  }

  list(): string[] {
    return [...this.loaded];
  }

  /** switch_loadable_module_get_application_interface: unknown apps and apps of unloaded modules are both missing. */
  hasApplication(name: string): boolean {
    const module = APPLICATION_MODULES[name.toLowerCase()];
    return module !== undefined && this.loaded.has(module);
  }

  hasApi(command: string): boolean {
    return this.loaded.has(apiModule(command));
  }

  /** A stream scheme (tone_stream, tts, http, …) with a loaded file interface. */
  hasStreamFormat(scheme: string): boolean {
    const module = STREAM_FORMAT_MODULES[scheme.toLowerCase()];
    return module !== undefined && this.loaded.has(module);
  }

  hasExtension(ext: string): boolean {
    const module = extensionModule(ext);
    return module !== undefined && this.loaded.has(module);
  }

  /** switch_core_speech_open: the engine's speech interface is loaded (and, for flite, the voice is one it has). */
  canSpeak(engine: string, voice: string | undefined): boolean {
    const module = TTS_ENGINE_MODULES[engine.toLowerCase()];
    if (module === undefined || !this.loaded.has(module)) return false;
    if (engine.toLowerCase() === "flite") return voice !== undefined && FLITE_VOICES.includes(voice.toLowerCase());
    return true;
  }

  hasEndpoint(endpoint: string): boolean {
    const module = ENDPOINT_MODULES[endpoint];
    return module !== undefined && this.loaded.has(module);
  }
}

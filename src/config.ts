/**
 * All environment configuration. `loadConfig()` reads the environment once at
 * start-up and either returns a typed Config or throws a ConfigError naming
 * every bad variable and why. An empty string counts as unset. The variables,
 * their defaults and rules are listed in config/env-variables.ts.
 */
import { join, resolve } from "node:path";
import { CONFIG_VARIABLES, envSchema, type LogLevel } from "./config/env-variables.ts";

// Importable from here as before the variables moved to their own module.
export { CONFIG_VARIABLES, DEFAULT_HOLD_AUDIO, DEFAULT_INBOUND_GREETING, envSchema, LOG_LEVELS, type EnvVariable, type LogLevel } from "./config/env-variables.ts";

export interface Config {
  http: { host: string; port: number };
  logLevel: LogLevel;
  database: {
    /** postgres:// URL, or undefined for embedded PGlite. */
    url: string | undefined;
    /** PGlite data directory (DATA_DIR/pglite), used when url is undefined. */
    pgliteDir: string;
  };
  dataDir: string;
  esl: {
    /** undefined → start the embedded simulator. */
    host: string | undefined;
    port: number;
    password: string;
    embedded: boolean;
  };
  outboundSocket: { host: string; port: number; advertise: string | undefined };
  sim: { scenario: string | undefined };
  apiKey: string | undefined;
  nats: { url: string | undefined };
  redis: { url: string | undefined };
  calls: {
    inboundGreeting: string;
    defaultCallerId: string | undefined;
    dialGateway: string | undefined;
    maxConcurrent: number;
    /** HOLD_AUDIO: played to a caller on hold during a warm transfer. */
    holdAudio: string;
  };
  /** What a call's own `say` speaks with (FreeSWITCH speak). */
  tts: { engine: string; voice: string };
  stt: {
    /** Neither DEEPGRAM_API_KEY nor DEEPGRAM_URL set: run the simulated Deepgram in process. */
    embedded: boolean;
    apiKey: string | undefined;
    /** undefined → the SDK's default (wss://api.deepgram.com). */
    url: string | undefined;
    model: string;
    language: string;
    endpointingMs: number;
    utteranceEndMs: number;
  };
  llm: {
    /** Neither OPENAI_API_KEY nor OPENAI_BASE_URL set: run the simulated OpenAI in process. */
    embedded: boolean;
    apiKey: string | undefined;
    /** undefined → the package's default (https://api.openai.com/v1). */
    baseUrl: string | undefined;
    model: string;
  };
  /** The conversations' own TTS: engine "openai" renders files, anything else is FreeSWITCH speak. */
  speech: { engine: string; voice: string; openaiModel: string; openaiVoice: string; cacheDir: string };
  media: {
    host: string;
    port: number;
    /** The host written into stream URLs; undefined → media.host, or a guess when that is a wildcard. */
    advertise: string | undefined;
    tokenTtlMs: number;
    heartBeatSec: number;
  };
  conversations: {
    /** A system prompt: inbound calls run a conversation instead of the greeting. */
    inboundPrompt: string | undefined;
    inboundFirstMessage: string | undefined;
  };
  /** Post-call analysis (runtime/post-call.ts). */
  analysis: { enabled: boolean; model: string; concurrency: number };
  /** The receptionist text test bench's sessions (runtime/text-sessions.ts). */
  textSessions: { max: number; idleTtlMs: number };
  /** Reply moderation (src/ai/safety/moderation.ts). */
  safety: { moderation: boolean; moderationModel: string; moderationOnError: "allow" | "replace" };
  shutdownGraceMs: number;
  /** What the HTTP edge accepts beyond the schemas (src/http). */
  edge: { maxBodyBytes: number; webhookAllowPrivate: boolean };
  /** Who may hand us inbound calls over the outbound socket, and how much they may cost us. */
  outboundSocketGuard: {
    /** IPs / CIDRs; undefined → the ESL host's addresses (resolved at start). */
    allow: string[] | undefined;
    ratePerSec: number;
    handshakeBytes: number;
    maxBufferedBytes: number;
    maxInboundCalls: number;
  };
}

export type Env = Record<string, string | undefined>;

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The conversation `npm start` runs on inbound calls with the embedded simulator (withEmbeddedDemo). */
export const DEMO_CONVERSATION_PROMPT = [
  "You are the receptionist of Switchboard Demo Dental, answering the phone.",
  "Keep every answer to one or two short sentences.",
  "Opening hours: Monday to Friday, 9 am to 5 pm, and Saturday 9 am to noon.",
  "Address: 12 Harbour Street, next to the library.",
  "Parking: free parking behind the building.",
].join("\n");
export const DEMO_CONVERSATION_FIRST_MESSAGE = "Hello, Switchboard Demo Dental, how can I help you?";

export function loadConfig(env: Env = process.env): Config {
  const input: Record<string, string | undefined> = {};
  for (const name of CONFIG_VARIABLES) input[name] = env[name];
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "(environment)"), message: issue.message })),
    );
  }
  const e = parsed.data;
  const issues: ConfigIssue[] = [];
  if (e.DEEPGRAM_URL !== undefined && e.DEEPGRAM_API_KEY === undefined) {
    issues.push({ variable: "DEEPGRAM_API_KEY", message: "required when DEEPGRAM_URL is set" });
  }
  if (e.OPENAI_BASE_URL !== undefined && e.OPENAI_API_KEY === undefined) {
    issues.push({ variable: "OPENAI_API_KEY", message: "required when OPENAI_BASE_URL is set" });
  }
  if (e.MEDIA_ADVERTISE !== undefined && e.MEDIA_ADVERTISE.includes(":")) {
    issues.push({ variable: "MEDIA_ADVERTISE", message: "mod_audio_stream accepts a host name or IPv4 address only, not an IPv6 literal" });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const openaiTts = e.TTS_ENGINE === "openai";
  return {
    http: { host: e.HOST, port: e.PORT },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, pgliteDir: join(e.DATA_DIR, "pglite") },
    dataDir: e.DATA_DIR,
    esl: { host: e.ESL_HOST, port: e.ESL_PORT, password: e.ESL_PASSWORD, embedded: e.ESL_HOST === undefined },
    outboundSocket: { host: e.OUTBOUND_SOCKET_HOST, port: e.OUTBOUND_SOCKET_PORT, advertise: e.OUTBOUND_SOCKET_ADVERTISE },
    sim: { scenario: e.SIM_SCENARIO },
    apiKey: e.SWITCHBOARD_API_KEY,
    nats: { url: e.NATS_URL },
    redis: { url: e.REDIS_URL },
    calls: {
      inboundGreeting: e.INBOUND_GREETING,
      defaultCallerId: e.DEFAULT_CALLER_ID,
      dialGateway: e.DIAL_GATEWAY,
      maxConcurrent: e.MAX_CONCURRENT_CALLS,
      holdAudio: e.HOLD_AUDIO,
    },
    // FreeSWITCH has no "openai" speak engine: with TTS_ENGINE=openai a call's own say stays flite.
    tts: { engine: openaiTts ? "flite" : e.TTS_ENGINE, voice: e.TTS_VOICE },
    stt: {
      embedded: e.DEEPGRAM_API_KEY === undefined && e.DEEPGRAM_URL === undefined,
      apiKey: e.DEEPGRAM_API_KEY,
      url: e.DEEPGRAM_URL,
      model: e.STT_MODEL,
      language: e.STT_LANGUAGE,
      endpointingMs: e.STT_ENDPOINTING_MS,
      utteranceEndMs: e.STT_UTTERANCE_END_MS,
    },
    llm: {
      embedded: e.OPENAI_API_KEY === undefined && e.OPENAI_BASE_URL === undefined,
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      model: e.LLM_MODEL,
    },
    speech: {
      engine: e.TTS_ENGINE,
      voice: e.TTS_VOICE,
      openaiModel: e.OPENAI_TTS_MODEL,
      openaiVoice: e.OPENAI_TTS_VOICE,
      // The switch opens the rendered files by path: an absolute one.
      cacheDir: resolve(e.TTS_CACHE_DIR ?? join(e.DATA_DIR, "tts")),
    },
    media: {
      host: e.MEDIA_HOST,
      port: e.MEDIA_PORT,
      advertise: e.MEDIA_ADVERTISE,
      tokenTtlMs: e.MEDIA_TOKEN_TTL_MS,
      heartBeatSec: e.MEDIA_HEART_BEAT_SEC,
    },
    conversations: {
      inboundPrompt: e.INBOUND_CONVERSATION_PROMPT,
      inboundFirstMessage: e.INBOUND_CONVERSATION_FIRST_MESSAGE,
    },
    analysis: { enabled: e.POST_CALL_ANALYSIS === "on", model: e.ANALYSIS_MODEL ?? e.LLM_MODEL, concurrency: e.ANALYSIS_CONCURRENCY },
    textSessions: { max: e.TEXT_SESSIONS_MAX, idleTtlMs: e.TEXT_SESSION_IDLE_TTL_S * 1000 },
    safety: { moderation: e.OPENAI_MODERATION === "true", moderationModel: e.OPENAI_MODERATION_MODEL, moderationOnError: e.OPENAI_MODERATION_ON_ERROR },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    edge: { maxBodyBytes: e.HTTP_MAX_BODY_BYTES, webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE === "true" },
    outboundSocketGuard: {
      allow: e.OUTBOUND_SOCKET_ALLOW,
      ratePerSec: e.OUTBOUND_SOCKET_RATE,
      handshakeBytes: e.OUTBOUND_SOCKET_HANDSHAKE_BYTES,
      maxBufferedBytes: e.OUTBOUND_SOCKET_MAX_BUFFER_BYTES,
      maxInboundCalls: e.MAX_INBOUND_CALLS,
    },
  };
}

/**
 * `npm start` with the embedded simulator and no INBOUND_CONVERSATION_PROMPT:
 * inbound calls run the demo conversation, so the first command shows one.
 * (Only main() applies it; tests and a real switch keep the greeting.)
 */
export function withEmbeddedDemo(config: Config): Config {
  if (!config.esl.embedded || config.conversations.inboundPrompt !== undefined) return config;
  return {
    ...config,
    conversations: { inboundPrompt: DEMO_CONVERSATION_PROMPT, inboundFirstMessage: config.conversations.inboundFirstMessage ?? DEMO_CONVERSATION_FIRST_MESSAGE },
  };
}

/** The config with secrets masked, for a start-up log line. */
export function redactConfig(config: Config): Config {
  const mask = (s: string | undefined) => (s === undefined ? undefined : "***");
  return {
    ...config,
    stt: { ...config.stt, apiKey: mask(config.stt.apiKey), url: config.stt.url && redactUrl(config.stt.url) },
    llm: { ...config.llm, apiKey: mask(config.llm.apiKey), baseUrl: config.llm.baseUrl && redactUrl(config.llm.baseUrl) },
    database: { ...config.database, url: config.database.url && redactUrl(config.database.url) },
    esl: { ...config.esl, password: mask(config.esl.password)! },
    apiKey: mask(config.apiKey),
    nats: { url: config.nats.url && redactUrl(config.nats.url) },
    redis: { url: config.redis.url && redactUrl(config.redis.url) },
  };
}

function redactUrl(s: string): string {
  try {
    const u = new URL(s);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "***";
  }
}

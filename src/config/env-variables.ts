/**
 * The environment variables the runtime reads, as one zod schema: each
 * variable, its default and its rule (field builders in config/env-fields.ts).
 * loadConfig() (config.ts) parses the environment with it and shapes the result
 * into a Config; this file owns the list, so a new variable is one line here.
 *
 * Variables (default in brackets):
 *   PORT [3000]                 HTTP listen port (0 = ephemeral)
 *   HOST [127.0.0.1]            HTTP listen address. Loopback by default so a fresh
 *                               install is not reachable from the network before an
 *                               API key is set; use 0.0.0.0 to serve other hosts.
 *   LOG_LEVEL [info]            fatal | error | warn | info | debug | trace | silent
 *   DATABASE_URL                postgres:// URL; unset → embedded PGlite in DATA_DIR/pglite
 *   DATA_DIR [.data]            where embedded state lives (PGlite, caches)
 *   ESL_HOST                    FreeSWITCH event socket host; unset → the embedded simulator
 *   ESL_PORT [8021]             FreeSWITCH event_socket.conf.xml listen-port default
 *   ESL_PASSWORD [ClueCon]      FreeSWITCH event_socket.conf.xml password default
 *   OUTBOUND_SOCKET_HOST [127.0.0.1]  where the runtime listens for the dialplan `socket` app
 *   OUTBOUND_SOCKET_PORT [8084]       the port the dialplan's `socket` app dials (0 = ephemeral)
 *   OUTBOUND_SOCKET_ADVERTISE   the address FreeSWITCH dials to reach that socket (what the
 *                               dialplan's `socket <addr>:<port> async full` must say); unset →
 *                               OUTBOUND_SOCKET_HOST, or this host's first external IPv4 when
 *                               that is a wildcard (0.0.0.0, ::). Only printed, never bound.
 *   SIM_SCENARIO                path to a simulator scenario file
 *   SWITCHBOARD_API_KEY         an API key accepted from start (its hash is stored)
 *   NATS_URL                    nats://…; unset → in-process bus
 *   REDIS_URL                   redis://…; unset → in-memory cache/leases/rate limits
 *   INBOUND_GREETING            text spoken to inbound calls until flows exist
 *   DEFAULT_CALLER_ID           caller id number for originate; unset → the switch's default
 *   DIAL_GATEWAY                a bare number `to` is dialled as
 *                               sofia/gateway/<gw>/<number>; unset → "carrier" with the
 *                               embedded simulator, and with a real switch a bare number
 *                               is refused (422): give a full dial string such as
 *                               user/1000 or sofia/gateway/x/…
 *   HOLD_AUDIO [tone_stream://%(2000,4000,440,480);loops=-1]  what a caller hears while a warm
 *                               transfer rings the agent (any playback file; the default is a
 *                               ringback from mod_tone_stream, in every stock build; local_stream://moh
 *                               needs mod_local_stream and the music package installed)
 *   TTS_ENGINE [flite] / TTS_VOICE [kal]   FreeSWITCH `speak` engine and voice
 *   MAX_CONCURRENT_CALLS [1000] live calls accepted at once
 *   SHUTDOWN_GRACE_MS [10000]   on SIGTERM, how long live calls get before hangup
 *   HTTP_MAX_BODY_BYTES [65536] largest HTTP request body accepted (413 beyond); every
 *                               API body is a small JSON object
 *   WEBHOOK_ALLOW_PRIVATE [false]  true lets status_callback name localhost, loopback,
 *                               private (10/8, 172.16/12, 192.168/16, fc00::/7) and
 *                               link-local (169.254/16, fe80::/10) hosts. Off by default:
 *                               the runtime fetches webhook URLs from inside the network,
 *                               so a user-given URL must not reach internal services or
 *                               the cloud metadata address. Turn on for a webhook receiver
 *                               on the same host or LAN. The API checks the URL as
 *                               written; delivery must re-check the resolved address.
 *
 *   Who may hand the runtime inbound calls over the outbound socket (the dialplan
 *   `socket` app connects to us, so anyone who can reach the port could pose as the switch):
 *   OUTBOUND_SOCKET_ALLOW       comma-separated IPs and CIDRs a session may come from;
 *                               unset → the ESL host's addresses (loopback with the
 *                               embedded simulator). Other sources are closed unread.
 *   OUTBOUND_SOCKET_RATE [200]  new connections per second accepted from one source
 *                               address (a burst of as many is allowed)
 *   OUTBOUND_SOCKET_HANDSHAKE_BYTES [65536]  bytes a session may send before it is
 *                               recognised as the switch's (a real CHANNEL_DATA is ~6-20 KB)
 *   OUTBOUND_SOCKET_MAX_BUFFER_BYTES [33554432]  bytes buffered toward unfinished frames,
 *                               summed over every session; the session crossing it is closed
 *   MAX_INBOUND_CALLS [1000]    live inbound calls at once, counted apart from
 *                               MAX_CONCURRENT_CALLS (outbound) so neither starves the other
 *
 *   Conversations (caller audio → speech-to-text → language model → speech):
 *   DEEPGRAM_API_KEY            Deepgram key (secret). DEEPGRAM_API_KEY and DEEPGRAM_URL both
 *                               unset → the embedded simulated Deepgram (loopback, a key made
 *                               at start); the key alone → wss://api.deepgram.com
 *   DEEPGRAM_URL                the live API's base URL (wss:// or ws://), e.g. a proxy or a
 *                               self-hosted Deepgram; needs DEEPGRAM_API_KEY
 *   STT_MODEL [nova-3]          recognition model;  STT_LANGUAGE [en]
 *   STT_ENDPOINTING_MS [300]    silence before a result is speech_final (Deepgram endpointing)
 *   STT_UTTERANCE_END_MS [1000] silence after the last word before UtteranceEnd (1000-5000)
 *   OPENAI_API_KEY              OpenAI key (secret). OPENAI_API_KEY and OPENAI_BASE_URL both
 *                               unset → the embedded simulated OpenAI (an offline rule-based
 *                               responder, not a model); the key alone → https://api.openai.com/v1
 *   OPENAI_BASE_URL             an OpenAI-compatible base URL (…/v1); needs OPENAI_API_KEY
 *   LLM_MODEL [gpt-4o-mini]     the chat model conversations use
 *   TTS_ENGINE openai           conversations speak with OpenAI TTS (OPENAI_TTS_VOICE [alloy],
 *                               OPENAI_TTS_MODEL [tts-1]), rendered once per text into
 *                               TTS_CACHE_DIR [DATA_DIR/tts, made absolute] and played by the
 *                               switch, which must see that directory at the same path; the
 *                               call's own `say` then stays FreeSWITCH speak (flite, TTS_VOICE)
 *   MEDIA_HOST [127.0.0.1]      where the caller-audio WebSocket server (mod_audio_stream) listens
 *   MEDIA_PORT [8090]           its port (0 = ephemeral)
 *   MEDIA_ADVERTISE             the host FreeSWITCH dials in the stream URL (a name or IPv4:
 *                               mod_audio_stream refuses IPv6 literals); unset → MEDIA_HOST, or
 *                               this host's first external IPv4 when that is a wildcard
 *   MEDIA_TOKEN_TTL_MS [10000]  a stream URL's one-time token is refused after this long unused
 *   MEDIA_HEART_BEAT_SEC [10]   mod_audio_stream's WebSocket PING interval (STREAM_HEART_BEAT)
 *   INBOUND_CONVERSATION_PROMPT a system prompt: inbound calls run a conversation with it instead
 *                               of INBOUND_GREETING. Unset → the greeting (`npm start` with the
 *                               embedded simulator uses a demo prompt: withEmbeddedDemo())
 *   INBOUND_CONVERSATION_FIRST_MESSAGE  what the bot says first on those calls
 *
 *   Post-call analysis (one model pass per ended conversation: summary, caller, reason, appointment):
 *   POST_CALL_ANALYSIS [on]     on | off (off: ended conversations are marked skipped, no model call)
 *   ANALYSIS_MODEL              the model that writes it [LLM_MODEL]
 *   ANALYSIS_CONCURRENCY [4]    model passes at once (1-64); the rest queue in order. Each is a
 *                               model request, so this bounds the load an end-of-shift burst of
 *                               hang-ups puts on the model's rate limit, not the runtime's CPU
 *
 *   Receptionist text test bench (POST /v1/receptionists/:id/test):
 *   TEXT_SESSIONS_MAX [100]     test sessions held at once (live or recently ended); 429 beyond
 *   TEXT_SESSION_IDLE_TTL_S [1800]  a session idle this long is ended, and forgotten as long after
 *
 *   Safety (src/ai/safety: prompt probes and leaks are always guarded; moderation is opt-in):
 *   OPENAI_MODERATION [false]   true: each reply sentence is checked by POST /v1/moderations before
 *                               it is spoken (a receptionist's only when its safety.moderation is on)
 *   OPENAI_MODERATION_MODEL [omni-moderation-latest]
 *   OPENAI_MODERATION_ON_ERROR [allow]  a check that fails or times out (1.5 s): allow (speak the
 *                               sentence, which passed the local rules; journalled) | replace (the safe line)
 */
import { z } from "zod";
import { addressList, connectPort, host, integer, listenPort, oneOf, prose, raw, reject, text, token, unset, url } from "./env-fields.ts";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_INBOUND_GREETING = "Hello, you have reached Switchboard. Goodbye.";
/** US ringback (mod_tone_stream, loaded in every stock build) until broken: a warm transfer's hold audio. */
export const DEFAULT_HOLD_AUDIO = "tone_stream://%(2000,4000,440,480);loops=-1";

/** The one schema: raw environment variables in, validated values out. */
export const envSchema = z.object({
  PORT: listenPort(3000),
  HOST: host("127.0.0.1"),
  LOG_LEVEL: oneOf(LOG_LEVELS, "info"),
  DATABASE_URL: url(["postgres:", "postgresql:"]),
  DATA_DIR: text(".data"),
  ESL_HOST: host(),
  ESL_PORT: connectPort(8021),
  ESL_PASSWORD: text("ClueCon"),
  OUTBOUND_SOCKET_HOST: host("127.0.0.1"),
  OUTBOUND_SOCKET_PORT: listenPort(8084),
  OUTBOUND_SOCKET_ADVERTISE: host(),
  SIM_SCENARIO: text(),
  SWITCHBOARD_API_KEY: text(),
  NATS_URL: url(["nats:", "tls:", "ws:", "wss:"]),
  REDIS_URL: url(["redis:", "rediss:"]),
  INBOUND_GREETING: text(DEFAULT_INBOUND_GREETING),
  DEFAULT_CALLER_ID: token(),
  DIAL_GATEWAY: token(),
  // One playback argument: no whitespace (it ends the argument) and no control characters.
  HOLD_AUDIO: raw().transform((v, ctx): string => {
    if (unset(v)) return DEFAULT_HOLD_AUDIO;
    const s = v!.trim();
    if (!/^[^\s\x00-\x1f\x7f]+$/.test(s)) return reject(ctx, v!, "one playback file or stream, without spaces (e.g. local_stream://moh)");
    return s;
  }),
  TTS_ENGINE: token("flite"),
  TTS_VOICE: token("kal"),
  MAX_CONCURRENT_CALLS: integer(1000, 1, 1_000_000, "a whole number 1-1000000"),
  SHUTDOWN_GRACE_MS: integer(10_000, 0, 3_600_000, "milliseconds 0-3600000"),
  HTTP_MAX_BODY_BYTES: integer(65_536, 1024, 16 * 1024 * 1024, "bytes 1024-16777216"),
  WEBHOOK_ALLOW_PRIVATE: oneOf(["true", "false"], "false"),
  OUTBOUND_SOCKET_ALLOW: addressList(),
  OUTBOUND_SOCKET_RATE: integer(200, 1, 100_000, "connections per second 1-100000"),
  OUTBOUND_SOCKET_HANDSHAKE_BYTES: integer(64 * 1024, 4096, 16 * 1024 * 1024, "bytes 4096-16777216"),
  OUTBOUND_SOCKET_MAX_BUFFER_BYTES: integer(32 * 1024 * 1024, 65_536, 4 * 1024 * 1024 * 1024, "bytes 65536-4294967296"),
  MAX_INBOUND_CALLS: integer(1000, 1, 1_000_000, "a whole number 1-1000000"),
  DEEPGRAM_API_KEY: text(),
  DEEPGRAM_URL: url(["wss:", "ws:", "https:", "http:"]),
  STT_MODEL: token("nova-3"),
  STT_LANGUAGE: token("en"),
  STT_ENDPOINTING_MS: integer(300, 10, 10_000, "milliseconds 10-10000"),
  // Deepgram refuses utterance_end_ms below 1000.
  STT_UTTERANCE_END_MS: integer(1000, 1000, 5000, "milliseconds 1000-5000"),
  OPENAI_API_KEY: text(),
  OPENAI_BASE_URL: url(["https:", "http:"]),
  LLM_MODEL: token("gpt-4o-mini"),
  OPENAI_TTS_MODEL: token("tts-1"),
  OPENAI_TTS_VOICE: token("alloy"),
  TTS_CACHE_DIR: text(),
  MEDIA_HOST: host("127.0.0.1"),
  MEDIA_PORT: listenPort(8090),
  MEDIA_ADVERTISE: host(),
  MEDIA_TOKEN_TTL_MS: integer(10_000, 1000, 300_000, "milliseconds 1000-300000"),
  MEDIA_HEART_BEAT_SEC: integer(10, 1, 3600, "seconds 1-3600"),
  INBOUND_CONVERSATION_PROMPT: prose(),
  INBOUND_CONVERSATION_FIRST_MESSAGE: prose(),
  POST_CALL_ANALYSIS: oneOf(["on", "off"], "on"),
  ANALYSIS_MODEL: token(),
  ANALYSIS_CONCURRENCY: integer(4, 1, 64, "a whole number 1-64"),
  TEXT_SESSIONS_MAX: integer(100, 1, 10_000, "a whole number 1-10000"),
  TEXT_SESSION_IDLE_TTL_S: integer(1800, 10, 86_400, "seconds 10-86400"),
  OPENAI_MODERATION: oneOf(["true", "false"], "false"),
  OPENAI_MODERATION_MODEL: token("omni-moderation-latest"),
  OPENAI_MODERATION_ON_ERROR: oneOf(["allow", "replace"], "allow"),
});

export type EnvVariable = keyof typeof envSchema.shape;
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as EnvVariable[];

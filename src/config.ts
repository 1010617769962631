/**
 * All environment configuration, in one zod schema. `loadConfig()` reads the
 * environment once at start-up and either returns a typed Config or throws a
 * ConfigError naming every bad variable and why. An empty string counts as unset.
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
 */
import { isIP } from "node:net";
import { join } from "node:path";
import { z } from "zod";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  };
  tts: { engine: string; voice: string };
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

export const DEFAULT_INBOUND_GREETING = "Hello, you have reached Switchboard. Goodbye.";

// ---- field builders: each reads one raw variable (string | undefined) -------

type Ctx = z.core.$RefinementCtx<string | undefined>;

/** An empty (or blank) string is unset. */
const unset = (raw: string | undefined) => raw === undefined || raw.trim() === "";

function reject(ctx: Ctx, raw: string, expected: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message: `expected ${expected}, got ${JSON.stringify(raw)}` });
  return z.NEVER;
}

const raw = () => z.string().optional();

// `F` types the fallback: a string default gives `string`, none gives `string | undefined`.
function text<F extends string | undefined = undefined>(fallback?: F) {
  return raw().transform((v): string | F => (unset(v) ? (fallback as F) : v!));
}

function integer(fallback: number, min: number, max: number, expected: string) {
  return raw().transform((v, ctx): number => {
    if (unset(v)) return fallback;
    const s = v!.trim();
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < min || n > max) return reject(ctx, v!, expected);
    return n;
  });
}

const listenPort = (fallback: number) => integer(fallback, 0, 65535, "a port number 0-65535 (0 = any free port)");
const connectPort = (fallback: number) => integer(fallback, 1, 65535, "a port number 1-65535");

/** A host name or IP address: no scheme, port, path or whitespace. */
function host<F extends string | undefined = undefined>(fallback?: F) {
  return raw().transform((v, ctx): string | F => {
    if (unset(v)) return fallback as F;
    const s = v!.trim();
    const ipv6 = /^\[?[0-9a-fA-F:.]+\]?$/.test(s) && s.includes(":");
    if (!ipv6 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s)) {
      return reject(ctx, v!, "a host name or IP address (no scheme or port)");
    }
    return s.replace(/^\[(.*)\]$/, "$1");
  });
}

function url(protocols: readonly string[]) {
  const expected = `a ${protocols.map((p) => `${p}//`).join(" or ")} URL`;
  return raw().transform((v, ctx): string | undefined => {
    if (unset(v)) return undefined;
    const s = v!.trim();
    try {
      if (protocols.includes(new URL(s).protocol)) return s;
    } catch {
      // not a URL at all
    }
    return reject(ctx, v!, expected);
  });
}

function oneOf<const T extends readonly string[]>(values: T, fallback: T[number]) {
  return raw().transform((v, ctx): T[number] => {
    if (unset(v)) return fallback;
    const s = v!.trim().toLowerCase();
    if ((values as readonly string[]).includes(s)) return s as T[number];
    return reject(ctx, v!, `one of ${values.join(", ")}`);
  });
}

/** A word FreeSWITCH takes as one dial-string or app argument: no spaces, slashes or commas. */
function token<F extends string | undefined = undefined>(fallback?: F) {
  return raw().transform((v, ctx): string | F => {
    if (unset(v)) return fallback as F;
    const s = v!.trim();
    if (!/^[A-Za-z0-9_.+:@-]+$/.test(s)) return reject(ctx, v!, "a single word (letters, digits, _ . + : @ -)");
    return s;
  });
}

/** Comma-separated IP addresses and CIDR blocks (10.0.0.5, 10.1.0.0/16, ::1). */
function addressList() {
  return raw().transform((v, ctx): string[] | undefined => {
    if (unset(v)) return undefined;
    const entries = v!.split(",").map((e) => e.trim()).filter((e) => e !== "");
    for (const entry of entries) {
      const [address = "", prefix, extra] = entry.split("/");
      const family = isIP(address);
      const maxPrefix = family === 6 ? 128 : 32;
      const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
      if (family === 0 || !prefixOk || extra !== undefined) return reject(ctx, v!, "comma-separated IP addresses or CIDR blocks");
    }
    if (entries.length === 0) return reject(ctx, v!, "comma-separated IP addresses or CIDR blocks");
    return entries;
  });
}

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
});

export type EnvVariable = keyof typeof envSchema.shape;
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as EnvVariable[];

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
    },
    tts: { engine: e.TTS_ENGINE, voice: e.TTS_VOICE },
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

/** The config with secrets masked, for a start-up log line. */
export function redactConfig(config: Config): Config {
  const mask = (s: string | undefined) => (s === undefined ? undefined : "***");
  return {
    ...config,
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

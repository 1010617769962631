/**
 * What the inbound ESL client is configured with and what it reports: its
 * options (switch address, subscriptions, timeouts, reconnect policy, queue
 * limits) with their defaults, the stats and events it exposes, and the capped,
 * jittered backoff between reconnect attempts. Split from inbound-client.ts so
 * the client itself is only the link, its commands and its events.
 */
import type { SkipNotice } from "./guarded-parser.ts";
import { EslCommandError } from "./errors.ts";
import { KNOWN_EVENT_NAMES } from "./decode.ts";
import type { QueueLimits } from "./event-queue.ts";
import type { ResyncReport, SwitchEvent } from "../../machines/switch/index.ts";

export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** ± fraction of the delay added at random, so many clients do not reconnect in step. */
  jitter: number;
}

export interface EslInboundClientOptions {
  host: string;
  port: number;
  password: string;
  /** Event-Names to subscribe to (`event json …`); default: every event decode.ts knows. */
  events?: string[];
  /**
   * CUSTOM subclasses to subscribe to (e.g. mod_audio_stream::connect), sent in a
   * second `event json CUSTOM …` command: every word after CUSTOM is a subclass.
   * Default none.
   */
  customSubclasses?: string[];
  reconnect?: Partial<ReconnectPolicy>;
  apiTimeoutMs?: number;
  /** bgapi waits for BACKGROUND_JOB: originate can ring 60 s before it answers. */
  bgapiTimeoutMs?: number;
  /** TCP connect + auth must finish within this, or the attempt is abandoned and retried. */
  connectTimeoutMs?: number;
  queue?: Partial<QueueLimits>;
}

export interface EslClientStats {
  framesDecoded: number;
  eventsDelivered: number;
  unknownEvents: number;
  skippedFrames: number;
  malformedEvents: number;
  droppedEvents: number;
  queueDepth: number;
  reconnects: number;
  pausedCount: number;
}

export interface DisconnectInfo {
  reason: string;
}

export interface EslInboundClientEvents {
  connected: [];
  disconnected: [DisconnectInfo];
  resync: [ResyncReport];
  skipped: [SkipNotice];
}

export type SwitchEventHandler = (event: SwitchEvent) => void | Promise<void>;

/** The options with every default filled in (the queue limits go to BoundedEventQueue as given). */
export type ResolvedInboundOptions = Required<Omit<EslInboundClientOptions, "reconnect" | "queue" | "events" | "customSubclasses">> & {
  reconnect: ReconnectPolicy;
  events: string[];
  customSubclasses: string[];
};

const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 10_000, jitter: 0.2 };

/** Fill in the defaults; an event name that could smuggle more than one word into `event json …` is refused. */
export function resolveInboundOptions(options: EslInboundClientOptions): ResolvedInboundOptions {
  const opts: ResolvedInboundOptions = {
    host: options.host,
    port: options.port,
    password: options.password,
    events: [...(options.events ?? KNOWN_EVENT_NAMES)],
    customSubclasses: [...(options.customSubclasses ?? [])],
    reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
    apiTimeoutMs: options.apiTimeoutMs ?? 10_000,
    bgapiTimeoutMs: options.bgapiTimeoutMs ?? 70_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
  };
  for (const name of [...opts.events, ...opts.customSubclasses]) {
    if (!/^[A-Za-z0-9_:]+$/.test(name)) throw new EslCommandError(`invalid event name ${JSON.stringify(name)}`);
  }
  return opts;
}

/** Milliseconds before reconnect attempt number `attempt` (0-based): doubling from initialDelayMs, capped, ± jitter. */
export function reconnectDelay(policy: ReconnectPolicy, attempt: number): number {
  const { initialDelayMs, maxDelayMs, jitter } = policy;
  const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.max(0, Math.round(base * (1 + jitter * (2 * Math.random() - 1))));
}

/**
 * The simulated switch core: channel registry, the global Event-Sequence,
 * the standard event headers, event fan-out to ESL listeners, HEARTBEAT, and
 * scaled timers for everything scripted.
 */

import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Channel } from "./channel.ts";
import { SimEvent } from "./event-serialize.ts";
import { GatewayTable } from "./gateways.ts";
import type { ModuleSet } from "./modules.ts";
import type { Scenario, SpeechSegment } from "./scenario.ts";

/** Where FreeSWITCH fires an event from: Event-Calling-File / -Function / -Line-Number. */
export type CallSite = readonly [file: string, func: string, line: number];

/** Call sites as FreeSWITCH 1.10.12 reports them (from real captures). */
export const SITES = {
  CHANNEL_CREATE: ["switch_core_state_machine.c", "switch_core_session_run", 626],
  CHANNEL_ORIGINATE: ["switch_core_state_machine.c", "switch_core_session_run", 632],
  CHANNEL_OUTGOING: ["switch_core_session.c", "switch_core_session_outgoing_channel", 768],
  CHANNEL_STATE: ["switch_channel.c", "switch_channel_perform_set_running_state", 2408],
  CHANNEL_CALLSTATE: ["switch_channel.c", "switch_channel_perform_set_callstate", 301],
  CHANNEL_PROGRESS: ["switch_channel.c", "switch_channel_perform_mark_ring_ready_value", 3507],
  CHANNEL_PROGRESS_MEDIA: ["switch_channel.c", "switch_channel_perform_mark_pre_answered", 3560],
  CHANNEL_ANSWER: ["switch_channel.c", "switch_channel_perform_mark_answered", 3846],
  CHANNEL_HANGUP: ["switch_channel.c", "switch_channel_perform_hangup", 3445],
  CHANNEL_HANGUP_COMPLETE: ["switch_core_state_machine.c", "switch_core_session_reporting_state", 943],
  CHANNEL_DESTROY: ["switch_core_session.c", "switch_core_session_perform_destroy", 1584],
  CHANNEL_EXECUTE: ["switch_core_session.c", "switch_core_session_exec", 2944],
  CHANNEL_EXECUTE_COMPLETE: ["switch_core_session.c", "switch_core_session_exec", 2967],
  CHANNEL_PARK: ["switch_ivr.c", "switch_ivr_park", 1002],
  CHANNEL_UNPARK: ["switch_ivr.c", "switch_ivr_park", 1213],
  CHANNEL_BRIDGE: ["switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1730],
  CHANNEL_UNBRIDGE: ["switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1862],
  CHANNEL_DATA: ["mod_event_socket.c", "parse_command", 2021],
  CALL_UPDATE: ["switch_channel.c", "switch_channel_flip_cid", 3277],
  PLAYBACK_START: ["switch_ivr_play_say.c", "switch_ivr_play_file", 1646],
  PLAYBACK_STOP: ["switch_ivr_play_say.c", "switch_ivr_play_file", 2020],
  DTMF: ["switch_channel.c", "switch_channel_dequeue_dtmf", 623],
  BACKGROUND_JOB: ["mod_event_socket.c", "api_exec", 1572],
  API: ["switch_loadable_module.c", "switch_api_execute", 2954],
  HEARTBEAT: ["switch_core.c", "send_heartbeat", 95],
  SENDEVENT: ["mod_event_socket.c", "parse_command", 2272],
} as const satisfies Record<string, CallSite>;

/** An ESL listener as the core sees it. */
export interface EventSink {
  /** Cheap check before an event is built: subscribed to this name (and, with myevents, this channel)? */
  wants(eventName: string, uniqueId: string | undefined): boolean;
  /** Apply filters and queue the event for delivery. */
  offer(ev: SimEvent): void;
}

/** A listener bound to one channel (outbound socket, inbound `myevents <uuid>`). */
export interface SessionBinding {
  /** The channel entered CS_HANGUP (listeners without linger disconnect here). */
  onChannelHangup(ch: Channel): void;
  /** CHANNEL_HANGUP_COMPLETE was fired (listeners with linger send the linger notice here). */
  onChannelHangupComplete(ch: Channel): void;
}

export interface CoreOptions {
  hostname: string;
  scenario: Scenario;
  /** What is loaded: decides which applications, api commands, file formats, TTS engines and endpoints exist. */
  modules: ModuleSet;
  /** Multiplies every scripted delay (ring, playback, DTMF offsets…); 0.01 makes a 1 s ring take 10 ms. */
  timeScale: number;
  heartbeatIntervalMs: number;
  listenerQueueCap: number;
  ipv4: string;
  ipv6: string;
}

export interface CallerSpeechEvent {
  uuid: string;
  /** "callee" for a called party of an originate, "caller" for an inbound caller. */
  party: "callee" | "caller";
  text: string;
  /** When the speech started (ms since the epoch) and how long it lasts (scaled ms). */
  startedAt: number;
  durationMs: number;
  segment: SpeechSegment;
}

export const FREESWITCH_VERSION = "1.10.12-release";
const MAX_SESSIONS = 1000;

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** "YYYY-MM-DD HH:MM:SS" in local time, as Event-Date-Local and *_stamp variables are written. */
export function localStamp(ms: number): string {
  const d = new Date(ms);
  return (
    d.getFullYear() +
    "-" +
    pad2(d.getMonth() + 1) +
    "-" +
    pad2(d.getDate()) +
    " " +
    pad2(d.getHours()) +
    ":" +
    pad2(d.getMinutes()) +
    ":" +
    pad2(d.getSeconds())
  );
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

export class SwitchCore extends EventEmitter {
  readonly coreUuid = randomUUID();
  readonly opts: CoreOptions;
  readonly channels = new Map<string, Channel>();
  /** Listeners that may take any channel's events. */
  private readonly globalSinks = new Set<EventSink>();
  /** myevents listeners bound to one session, by channel UUID: fan-out stays O(1) with thousands of them. */
  private readonly boundSinks = new Map<string, Set<EventSink>>();
  private readonly sinkBinding = new Map<EventSink, string>();
  private sequence = 0;
  private sessionIdCounter = 0;
  sessionsSinceStartup = 0;
  peakSessions = 0;
  private readonly startedAtMs = Date.now();
  private readonly startedPerf = performance.now();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private dateCacheSecond = -1;
  private dateLocal = "";
  private dateGmt = "";
  private readonly staticHead: string[];
  /** Channel variables of the switch (global_getvar). */
  readonly globals = new Map<string, string>();
  /** mod_hash's in-memory table, keyed "<realm>_<key>" as mod_hash keys it. */
  readonly hashStore = new Map<string, string>();
  /** mod_sofia's gateways (the scenario's `gateways`; every name is up when it has none). */
  readonly gateways: GatewayTable;

  constructor(opts: CoreOptions) {
    super();
    this.opts = opts;
    this.gateways = new GatewayTable(opts.scenario.gateways);
    // The four identity headers never change: build them once.
    this.staticHead = [
      "Core-UUID",
      this.coreUuid,
      "FreeSWITCH-Hostname",
      opts.hostname,
      "FreeSWITCH-Switchname",
      opts.hostname,
      "FreeSWITCH-IPv4",
      opts.ipv4,
      "FreeSWITCH-IPv6",
      opts.ipv6,
    ];
    for (const [k, v] of [
      ["hostname", opts.hostname],
      ["switchname", opts.hostname],
      ["local_ip_v4", opts.ipv4],
      ["local_mask_v4", "255.255.255.0"],
      ["local_ip_v6", opts.ipv6],
      ["domain", opts.ipv4],
      ["domain_name", opts.ipv4],
      ["core_uuid", this.coreUuid],
      ["sound_prefix", "/usr/share/freeswitch/sounds/en/us/callie"],
      ["default_password", "1234"],
      ["hold_music", "local_stream://moh"],
      ["use_profile", "external"],
      ["outbound_caller_name", "FreeSWITCH"],
      ["outbound_caller_id", "0000000000"],
      ["internal_sip_port", "5060"],
      ["external_sip_port", "5080"],
    ] as const) {
      this.globals.set(k, v);
    }
  }

  get scenario(): Scenario {
    return this.opts.scenario;
  }

  get modules(): ModuleSet {
    return this.opts.modules;
  }

  /** Microseconds since the epoch (Event-Date-Timestamp, profile times). */
  nowUs(): number {
    return Math.floor((this.startedAtMs + (performance.now() - this.startedPerf)) * 1000);
  }

  uptimeMs(): number {
    return performance.now() - this.startedPerf;
  }

  /** "0 years, 0 days, 0 hours, 1 minute, 40 seconds, 199 milliseconds, 454 microseconds". */
  uptimeText(): string {
    const us = Math.floor(this.uptimeMs() * 1000);
    let rest = us;
    const micro = rest % 1000;
    rest = Math.floor(rest / 1000);
    const milli = rest % 1000;
    rest = Math.floor(rest / 1000);
    const sec = rest % 60;
    rest = Math.floor(rest / 60);
    const min = rest % 60;
    rest = Math.floor(rest / 60);
    const hour = rest % 24;
    rest = Math.floor(rest / 24);
    const day = rest % 365;
    const year = Math.floor(rest / 365);
    return [
      plural(year, "year"),
      plural(day, "day"),
      plural(hour, "hour"),
      plural(min, "minute"),
      plural(sec, "second"),
      plural(milli, "millisecond"),
      plural(micro, "microsecond"),
    ].join(", ");
  }

  nextSessionId(): number {
    return ++this.sessionIdCounter;
  }

  addSink(sink: EventSink): void {
    this.globalSinks.add(sink);
  }

  removeSink(sink: EventSink): void {
    this.globalSinks.delete(sink);
    const uuid = this.sinkBinding.get(sink);
    if (uuid !== undefined) {
      this.sinkBinding.delete(sink);
      const set = this.boundSinks.get(uuid);
      set?.delete(sink);
      if (set && set.size === 0) this.boundSinks.delete(uuid);
    }
  }

  /** The sink only takes events of this session from now on (myevents on a session-bound listener). */
  bindSink(sink: EventSink, uuid: string): void {
    this.removeSink(sink);
    this.sinkBinding.set(sink, uuid);
    let set = this.boundSinks.get(uuid);
    if (!set) this.boundSinks.set(uuid, (set = new Set()));
    set.add(sink);
  }

  get eslListenerCount(): number {
    return this.globalSinks.size + this.sinkBinding.size;
  }

  /** Would any listener take this event? Lets callers skip building events nobody hears. */
  wants(eventName: string, uniqueId?: string, ownerUuid?: string): boolean {
    for (const sink of this.globalSinks) if (sink.wants(eventName, uniqueId)) return true;
    if (uniqueId !== undefined) {
      const bound = this.boundSinks.get(uniqueId);
      if (bound) for (const sink of bound) if (sink.wants(eventName, uniqueId)) return true;
    }
    if (ownerUuid !== undefined) {
      const bound = this.boundSinks.get(ownerUuid);
      if (bound) for (const sink of bound) if (sink.wants(eventName, uniqueId)) return true;
    }
    return false;
  }

  /** An event fired that no listener takes still uses up its Event-Sequence number (switch_event_fire numbers every event). */
  skipSequence(): void {
    ++this.sequence;
  }

  /** A new event with the 13 standard headers (switch_event_prep_for_delivery order). */
  newEvent(name: string, site: CallSite, subclass?: string): SimEvent {
    const ev = new SimEvent(name, subclass);
    const nowUs = this.nowUs();
    const second = Math.floor(nowUs / 1_000_000);
    if (second !== this.dateCacheSecond) {
      this.dateCacheSecond = second;
      this.dateLocal = localStamp(second * 1000);
      this.dateGmt = new Date(second * 1000).toUTCString();
    }
    const h = ev.headers;
    h.push("Event-Name", name);
    for (let i = 0; i < this.staticHead.length; i++) h.push(this.staticHead[i]!);
    h.push(
      "Event-Date-Local",
      this.dateLocal,
      "Event-Date-GMT",
      this.dateGmt,
      "Event-Date-Timestamp",
      String(nowUs),
      "Event-Calling-File",
      site[0],
      "Event-Calling-Function",
      site[1],
      "Event-Calling-Line-Number",
      String(site[2]),
      "Event-Sequence",
      String(++this.sequence),
    );
    // CUSTOM events carry Event-Subclass right after the standard headers.
    if (subclass !== undefined) h.push("Event-Subclass", subclass);
    return ev;
  }

  fire(ev: SimEvent): void {
    for (const sink of this.globalSinks) sink.offer(ev);
    const uuid = ev.uniqueId;
    if (uuid !== undefined) {
      const bound = this.boundSinks.get(uuid);
      if (bound) for (const sink of bound) sink.offer(ev);
    }
    const owner = ev.ownerUuid;
    if (owner !== undefined && owner !== uuid) {
      const bound = this.boundSinks.get(owner);
      if (bound) for (const sink of bound) sink.offer(ev);
    }
  }

  /**
   * Build and fire a channel event if anyone listens: standard headers,
   * `before` headers, channel data (+ variables), then `after` headers.
   */
  fireChannelEvent(
    ch: Channel,
    name: string,
    site: CallSite,
    opts: { variables: boolean; before?: string[]; after?: string[] },
  ): void {
    if (!this.wants(name, ch.uuid)) {
      this.skipSequence();
      return;
    }
    const ev = this.newEvent(name, site);
    ev.uniqueId = ch.uuid;
    if (opts.before) for (const x of opts.before) ev.headers.push(x);
    ch.appendChannelData(ev, opts.variables);
    if (opts.after) for (const x of opts.after) ev.headers.push(x);
    this.fire(ev);
  }

  addChannel(ch: Channel): void {
    this.channels.set(ch.uuid, ch);
    this.sessionsSinceStartup++;
    if (this.channels.size > this.peakSessions) this.peakSessions = this.channels.size;
  }

  removeChannel(ch: Channel): void {
    this.channels.delete(ch.uuid);
  }

  /** setTimeout scaled by timeScale, tracked so stop() can cancel it; bound to a channel when given. */
  after(ms: number, fn: () => void, ch?: Channel): ReturnType<typeof setTimeout> {
    const delay = Math.max(0, ms * this.opts.timeScale);
    const timer = setTimeout(() => {
      if (ch) ch.timers.delete(timer);
      else this.timers.delete(timer);
      fn();
    }, delay);
    if (ch) ch.timers.add(timer);
    else this.timers.add(timer);
    return timer;
  }

  /** Scaled duration in real ms. */
  scaled(ms: number): number {
    return ms * this.opts.timeScale;
  }

  startHeartbeat(): void {
    if (this.heartbeatTimer || this.opts.heartbeatIntervalMs <= 0) return;
    this.heartbeatTimer = setInterval(() => this.fireHeartbeat(), this.opts.heartbeatIntervalMs);
    this.heartbeatTimer.unref?.();
  }

  /** HEARTBEAT (switch_core.c send_heartbeat). */
  fireHeartbeat(): void {
    if (!this.wants("HEARTBEAT", undefined)) return;
    const ev = this.newEvent("HEARTBEAT", SITES.HEARTBEAT);
    ev.add("Event-Info", "System Ready")
      .add("Up-Time", this.uptimeText())
      .add("FreeSWITCH-Version", FREESWITCH_VERSION + "~64bit")
      .add("Uptime-msec", Math.floor(this.uptimeMs()))
      .add("Session-Count", this.channels.size)
      .add("Max-Sessions", MAX_SESSIONS)
      .add("Session-Per-Sec", 30)
      .add("Session-Per-Sec-Last", 0)
      .add("Session-Per-Sec-Max", 0)
      .add("Session-Per-Sec-FiveMin", 0)
      .add("Session-Since-Startup", this.sessionsSinceStartup)
      .add("Session-Peak-Max", this.peakSessions)
      .add("Session-Peak-FiveMin", this.peakSessions)
      .add("Idle-CPU", "98.000000");
    this.fire(ev);
  }

  /** `api status` output (mod_commands status_function). */
  statusText(): string {
    const count = this.channels.size;
    return (
      `UP ${this.uptimeText()}\n` +
      `FreeSWITCH (Version ${FREESWITCH_VERSION}  64bit) is ready\n` +
      `${this.sessionsSinceStartup} session(s) since startup\n` +
      `${count} session(s) - peak ${this.peakSessions}, last 5min ${this.peakSessions} \n` +
      `0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n` +
      `${MAX_SESSIONS} session(s) max\n` +
      `min idle cpu 0.00/98.00\n` +
      `Current Stack Size/Max 240K/8192K\n`
    );
  }

  emitSpeech(event: CallerSpeechEvent): void {
    this.emit("caller-speech", event);
  }

  stop(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ch of this.channels.values()) ch.clearTimers();
  }
}

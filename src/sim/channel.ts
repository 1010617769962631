/**
 * One simulated channel (switch_channel_t + its caller profile): identity,
 * the three state machines FreeSWITCH reports (Channel-State,
 * Channel-Call-State, Answer-State), channel variables, and the channel-data
 * header blocks of switch_channel_event_set_data in FreeSWITCH's order.
 */

import type { SimEvent } from "./event-serialize.ts";
import type { CallerBehaviour, CalleeBehaviour, SpeechSegment } from "./scenario.ts";

export type RunningState =
  | "CS_NEW"
  | "CS_INIT"
  | "CS_ROUTING"
  | "CS_SOFT_EXECUTE"
  | "CS_EXECUTE"
  | "CS_EXCHANGE_MEDIA"
  | "CS_PARK"
  | "CS_CONSUME_MEDIA"
  | "CS_HIBERNATE"
  | "CS_RESET"
  | "CS_HANGUP"
  | "CS_REPORTING"
  | "CS_DESTROY"
  | "CS_NONE";

/** switch_channel_state_t numbering (switch_types.h). */
export const STATE_NUMBER: Readonly<Record<RunningState, number>> = {
  CS_NEW: 0,
  CS_INIT: 1,
  CS_ROUTING: 2,
  CS_SOFT_EXECUTE: 3,
  CS_EXECUTE: 4,
  CS_EXCHANGE_MEDIA: 5,
  CS_PARK: 6,
  CS_CONSUME_MEDIA: 7,
  CS_HIBERNATE: 8,
  CS_RESET: 9,
  CS_HANGUP: 10,
  CS_REPORTING: 11,
  CS_DESTROY: 12,
  CS_NONE: 13,
};

export type CallState = "DOWN" | "DIALING" | "RINGING" | "EARLY" | "ACTIVE" | "HELD" | "RING_WAIT" | "HANGUP" | "UNHELD";

/** switch_channel_callstate_t numbering, reported as Channel-Call-State-Number. */
export const CALL_STATE_NUMBER: Readonly<Record<CallState, number>> = {
  DOWN: 0,
  DIALING: 1,
  RINGING: 2,
  EARLY: 3,
  ACTIVE: 4,
  HELD: 5,
  RING_WAIT: 6,
  HANGUP: 7,
  UNHELD: 8,
};

export type AnswerState = "ringing" | "early" | "answered" | "hangup";

export interface Codec {
  name: string;
  rate: number;
  bitRate: number;
}

export const PCMU: Codec = { name: "PCMU", rate: 8000, bitRate: 64000 };

export interface CallerProfile {
  username: string;
  dialplan: string;
  callerIdName: string;
  callerIdNumber: string;
  origCallerIdName: string;
  origCallerIdNumber: string;
  calleeIdName: string;
  calleeIdNumber: string;
  networkAddr: string;
  ani: string;
  destinationNumber: string;
  source: string;
  context: string;
}

/** Caller-profile times (switch_channel_timetable_t), µs since the epoch; 0 = never. */
export interface ProfileTimes {
  profileCreated: number;
  created: number;
  answered: number;
  progress: number;
  progressMedia: number;
  hangup: number;
  transfer: number;
  resurrect: number;
  bridged: number;
  lastHold: number;
  holdAccum: number;
}

/** An application waiting in the channel's private event queue (sendmsg execute). */
export interface QueuedApplication {
  name: string;
  arg: string;
  applicationUuid: string;
  loops: number;
  /** sendmsg execute sets current_loop / total_loops before each run (switch_ivr_parse_event). */
  setLoopVariables?: boolean;
  /** Called with the Application-Response once the app completes (static outbound sendmsg). */
  onComplete?: () => void;
}

export interface RunningApplication {
  name: string;
  arg: string;
  applicationUuid: string;
  /** Interrupts the app (uuid_break, hangup). */
  interrupt(reason: "break" | "hangup" | "transfer"): void;
}

export class Channel {
  readonly uuid: string;
  name: string;
  readonly direction: "inbound" | "outbound";
  runningState: RunningState = "CS_NEW";
  /** Channel-State-Number: the state FreeSWITCH has been asked to enter (may run ahead of runningState). */
  stateNumber = 0;
  callState: CallState = "DOWN";
  answerState: AnswerState = "ringing";
  hitDialplan: boolean;
  presenceId = "";
  callUuid: string;
  hangupCause: string | undefined;
  codec: Codec | undefined;
  profile: CallerProfile;
  readonly times: ProfileTimes;
  /** Channel variables in insertion order (switch_channel_set_variable moves an updated one to the end). */
  readonly variables = new Map<string, string>();
  /** Profile with a caller profile yet (events before CS_INIT carry only basic data). */
  hasProfile = false;

  /** Other-Type / Other-Leg-* (originator or originatee caller profile). */
  otherType: "originator" | "originatee" | undefined;
  otherLeg: Channel | undefined;
  bridgedTo: Channel | undefined;

  /** Scripted far end (callee of an originate, caller of an inbound call). */
  calleeScript: CalleeBehaviour | undefined;
  callerScript: CallerBehaviour | undefined;
  /** Speech the far end says, for the speech-to-text adapter. */
  readonly speech: SpeechSegment[] = [];
  /** DTMF received and not yet consumed by play_and_get_digits. */
  dtmfBuffer = "";
  /** Notified when a digit arrives (play_and_get_digits waits on it). */
  dtmfWaiter: (() => void) | undefined;

  readonly appQueue: QueuedApplication[] = [];
  currentApp: RunningApplication | undefined;
  /** Open blocking "container" applications (park, socket) completed on hangup, innermost last. */
  readonly openApps: Array<{ name: string; arg: string; applicationUuid: string; parked: boolean }> = [];

  /** Listeners bound to this session (outbound socket, inbound myevents <uuid>): destroy waits for them. */
  readonly holders = new Set<object>();
  readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** Run when the channel is answered / hung up (originate waits on these; scripts start on answer). */
  readonly answerHooks: Array<() => void> = [];
  readonly hangupHooks: Array<(cause: string) => void> = [];
  /** Inside an executing context (parked or running apps): queued sendmsg apps may run. */
  executing = false;
  /** An extension (originate &app, or the inbound socket app) was started: when it runs out of apps the call ends. */
  extensionStarted = false;
  /** The last application executed (last_app / last_arg at hangup). */
  lastApp: { name: string; arg: string } | undefined;
  /** How the current bridge was made: the bridge app (A continues after) or uuid_bridge (both end). */
  bridgeMode: "app" | "uuid" | undefined;
  sessionId: number;
  destroyed = false;
  hangupCompleteFired = false;

  private profileCache: string[] | undefined;

  constructor(opts: {
    uuid: string;
    name: string;
    direction: "inbound" | "outbound";
    profile: CallerProfile;
    sessionId: number;
    nowUs: number;
  }) {
    this.uuid = opts.uuid;
    this.name = opts.name;
    this.direction = opts.direction;
    this.callUuid = opts.uuid;
    this.profile = opts.profile;
    this.sessionId = opts.sessionId;
    // An outbound leg has not hit a dialplan; an inbound one has (Channel-HIT-Dialplan).
    this.hitDialplan = opts.direction === "inbound";
    this.times = {
      profileCreated: opts.nowUs,
      created: opts.nowUs,
      answered: 0,
      progress: 0,
      progressMedia: 0,
      hangup: 0,
      transfer: 0,
      resurrect: 0,
      bridged: 0,
      lastHold: 0,
      holdAccum: 0,
    };
  }

  get isUp(): boolean {
    return this.hangupCause === undefined;
  }

  get answered(): boolean {
    return this.times.answered !== 0;
  }

  setVar(name: string, value: string | number): void {
    this.variables.delete(name);
    this.variables.set(name, String(value));
  }

  unsetVar(name: string): void {
    this.variables.delete(name);
  }

  getVar(name: string): string | undefined {
    return this.variables.get(name);
  }

  /** Invalidate the cached Caller-* block after a profile or time change. */
  touchProfile(): void {
    this.profileCache = undefined;
  }

  setProfile(patch: Partial<CallerProfile>): void {
    this.profile = { ...this.profile, ...patch };
    this.touchProfile();
  }

  /** switch_channel_event_set_basic_data. */
  appendBasicData(ev: SimEvent): void {
    const h = ev.headers;
    h.push(
      "Channel-State",
      this.runningState,
      "Channel-Call-State",
      this.callState,
      "Channel-State-Number",
      String(this.stateNumber),
      "Channel-Name",
      this.name,
      "Unique-ID",
      this.uuid,
      "Call-Direction",
      this.direction,
      "Presence-Call-Direction",
      this.direction,
      "Channel-HIT-Dialplan",
      this.hitDialplan ? "true" : "false",
    );
    if (this.presenceId) h.push("Channel-Presence-ID", this.presenceId);
    h.push("Channel-Call-UUID", this.callUuid, "Answer-State", this.answerState);
    if (this.hangupCause !== undefined) h.push("Hangup-Cause", this.hangupCause);
    if (this.codec) {
      const r = this.codec;
      h.push(
        "Channel-Read-Codec-Name",
        r.name,
        "Channel-Read-Codec-Rate",
        String(r.rate),
        "Channel-Read-Codec-Bit-Rate",
        String(r.bitRate),
        "Channel-Write-Codec-Name",
        r.name,
        "Channel-Write-Codec-Rate",
        String(r.rate),
        "Channel-Write-Codec-Bit-Rate",
        String(r.bitRate),
      );
    }
  }

  /** switch_caller_profile_event_set_data: empty string fields are left out. */
  profileHeaders(prefix: string, withIndex: boolean): string[] {
    const p = this.profile;
    const t = this.times;
    const out: string[] = [];
    const str = (name: string, value: string) => {
      if (value !== "") out.push(prefix + "-" + name, value);
    };
    out.push(prefix + "-Direction", this.direction, prefix + "-Logical-Direction", this.direction);
    str("Username", p.username);
    str("Dialplan", p.dialplan);
    str("Caller-ID-Name", p.callerIdName);
    str("Caller-ID-Number", p.callerIdNumber);
    str("Orig-Caller-ID-Name", p.origCallerIdName);
    str("Orig-Caller-ID-Number", p.origCallerIdNumber);
    str("Callee-ID-Name", p.calleeIdName);
    str("Callee-ID-Number", p.calleeIdNumber);
    str("Network-Addr", p.networkAddr);
    str("ANI", p.ani);
    str("Destination-Number", p.destinationNumber);
    out.push(prefix + "-Unique-ID", this.uuid);
    str("Source", p.source);
    str("Context", p.context);
    out.push(prefix + "-Channel-Name", this.name);
    if (withIndex) out.push(prefix + "-Profile-Index", "1");
    out.push(
      prefix + "-Profile-Created-Time",
      String(t.profileCreated),
      prefix + "-Channel-Created-Time",
      String(t.created),
      prefix + "-Channel-Answered-Time",
      String(t.answered),
      prefix + "-Channel-Progress-Time",
      String(t.progress),
      prefix + "-Channel-Progress-Media-Time",
      String(t.progressMedia),
      prefix + "-Channel-Hangup-Time",
      String(t.hangup),
      prefix + "-Channel-Transfer-Time",
      String(t.transfer),
      prefix + "-Channel-Resurrect-Time",
      String(t.resurrect),
      prefix + "-Channel-Bridged-Time",
      String(t.bridged),
      prefix + "-Channel-Last-Hold",
      String(t.lastHold),
      prefix + "-Channel-Hold-Accum",
      String(t.holdAccum),
      prefix + "-Screen-Bit",
      "true",
      prefix + "-Privacy-Hide-Name",
      "false",
      prefix + "-Privacy-Hide-Number",
      "false",
    );
    return out;
  }

  appendCallerProfile(ev: SimEvent): void {
    if (!this.hasProfile) return;
    const block = (this.profileCache ??= this.profileHeaders("Caller", true));
    const h = ev.headers;
    for (let i = 0; i < block.length; i++) h.push(block[i]!);
  }

  appendOtherLeg(ev: SimEvent): void {
    if (!this.otherLeg || !this.otherType) return;
    ev.headers.push("Other-Type", this.otherType);
    const block = this.otherLeg.profileHeaders("Other-Leg", false);
    for (let i = 0; i < block.length; i++) ev.headers.push(block[i]!);
  }

  appendVariables(ev: SimEvent): void {
    const h = ev.headers;
    for (const [name, value] of this.variables) h.push("variable_" + name, value);
  }

  /** switch_channel_event_set_data: basic data, Caller-*, Other-Leg-*, then variable_* when the event carries them. */
  appendChannelData(ev: SimEvent, withVariables: boolean): void {
    this.appendBasicData(ev);
    this.appendCallerProfile(ev);
    this.appendOtherLeg(ev);
    if (withVariables) this.appendVariables(ev);
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

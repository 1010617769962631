/**
 * The call machine's vocabulary: its input, context, the events it takes and
 * the events it emits. Every event carries `at` (epoch ms from the runtime's
 * clock) because the machine may not read a clock itself.
 */
import type { CallDirection, ChannelEvent, CommandFeedback, SwitchCommand } from "./switch/index.ts";
import type { CallStatus, HangupBy, LiveCallStatus } from "./call-outcome.ts";

// ─── what the call runs ──────────────────────────────────────────────────────

/** A gather prompt: text to speak, or a file/URL to play. */
export type GatherPrompt = { say: string; voice?: string } | { play: string };

/**
 * One step of an outbound call's `firstAction` or an inbound call's `script`.
 * `applicationUuid` is optional: when absent the machine derives a stable one
 * from the call id and the step index (FreeSWITCH takes any string as Event-UUID).
 */
export type CallAction =
  | { type: "say"; text: string; voice?: string; applicationUuid?: string }
  | { type: "play"; url: string; loop?: number; applicationUuid?: string }
  | {
      type: "gather";
      minDigits: number;
      maxDigits: number;
      timeoutMs: number;
      terminators: string;
      prompt?: GatherPrompt;
      applicationUuid?: string;
    }
  | { type: "hangup"; reason?: string };

export interface CallInput {
  /** The call's id: the FreeSWITCH channel UUID (origination_uuid outbound, Unique-ID inbound). */
  callId: string;
  direction: CallDirection;
  /** Caller id number (outbound: what we present; inbound: who is calling). */
  from: string;
  /** Destination number. */
  to: string;
  callerIdName?: string;
  /** Outbound only: the FreeSWITCH dial string to originate. */
  dialString?: string;
  /** originate_timeout, seconds; default 60. */
  timeoutSec?: number;
  /** Seconds the call may last after answer; default 14400 (4 h, as Twilio). */
  timeLimitSec?: number;
  /** Extra channel variables for the originate's {…} prefix. */
  variables?: Record<string, string>;
  /** TTS for `say`; default engine "flite", voice "kal". */
  tts?: { engine?: string; voice?: string };
  /** Outbound: what to run once answered. */
  firstAction?: CallAction;
  /** Inbound (or outbound): steps to run in order once answered; an inbound script makes the machine answer. */
  script?: CallAction[];
  /** Journal and answer as if placed without dialing: the machine never emits originate. */
  dryRun?: boolean;
  /** Epoch ms the call was requested (runtime clock). */
  createdAt: number;
}

// ─── events in ───────────────────────────────────────────────────────────────

/** A decoded channel event as the runtime forwards it: `{ ...channelEvent, type: channelEvent.kind }`. */
export type CallChannelEvent = {
  [K in ChannelEvent["kind"]]: Extract<ChannelEvent, { kind: K }> & { type: K; at?: number };
}[ChannelEvent["kind"]];

export type CallChannelEventType = CallChannelEvent["type"];

export type OriginateSentEvent = Extract<CommandFeedback, { type: "originate.sent" }>;
/** The bgapi originate's BACKGROUND_JOB: "+OK <uuid>" or "-ERR <CAUSE>". */
export type OriginateResultEvent = Extract<CommandFeedback, { type: "originate.result" }>;
export type CommandFailedEvent = Extract<CommandFeedback, { type: "command.failed" }>;
export type LinkDownEvent = { type: "link.down"; at: number };
export type LinkUpEvent = { type: "link.up"; at: number };
/** Resync after a reconnect found the channel gone. */
export type ChannelVanishedEvent = { type: "channel.vanished"; at: number; cause?: string };
/** Sent once to an actor restored from a persisted snapshot: re-arms its timers (delays are not persisted). */
export type ResumeEvent = { type: "resume"; at: number };

export type SystemEvent =
  | OriginateSentEvent
  | OriginateResultEvent
  | CommandFailedEvent
  | LinkDownEvent
  | LinkUpEvent
  | ChannelVanishedEvent
  | ResumeEvent;

/** `engine` / `voice` default to the call's TTS settings (a conversation names its own voice). */
export type SayCommand = { type: "say"; at: number; text: string; engine?: string; voice?: string; applicationUuid: string };
export type PlayCommand = { type: "play"; at: number; url: string; loop?: number; applicationUuid: string };
export type SendDtmfCommand = { type: "send_dtmf"; at: number; digits: string };
export type GatherCommand = {
  type: "gather";
  at: number;
  minDigits: number;
  maxDigits: number;
  timeoutMs: number;
  terminators: string;
  prompt?: GatherPrompt;
  applicationUuid: string;
};
export type TransferCommand = { type: "transfer"; at: number; extension: string; context?: string };
export type BridgeCommand = { type: "bridge"; at: number; dialString: string; applicationUuid: string };
/** Bridge this call to another live call of ours (uuid_bridge): a warm transfer joins the caller to the agent. */
export type BridgeCallCommand = { type: "bridge_call"; at: number; otherCallId: string };
/**
 * Hang up an answered call, cancel an unanswered outbound one, reject a ringing
 * inbound one. `reason` that is a FreeSWITCH cause name is used as the cause.
 */
export type HangupCommand = { type: "hangup"; at: number; reason?: string };
export type AnswerCommand = { type: "answer"; at: number; applicationUuid: string };
/**
 * Stop what the call is playing or speaking now (uuid_break … all: queued
 * playbacks too). The interrupted application's CHANNEL_EXECUTE_COMPLETE then
 * returns the call to idle, as for any activity that ends.
 */
export type BreakCommand = { type: "break"; at: number };
/**
 * Start or stop streaming the caller's audio (mod_audio_stream) to a WebSocket.
 * The URL and metadata come from the caller of the command (the runtime's media
 * server makes them); one stream per call, as the module allows.
 */
export type AudioStreamCommand =
  | {
      type: "audio_stream";
      at: number;
      action: "start";
      /** ws:// or wss:// URL, e.g. the media server's ws://host:port/audio/<callId>?token=… */
      url: string;
      /** The stream's first text frame. */
      metadata?: string;
      /** Hz; default 16000 (`16k`). */
      sampleRate?: number;
      /** STREAM_HEART_BEAT: seconds between the module's WebSocket PINGs; default 10. */
      heartBeatSec?: number;
    }
  | { type: "audio_stream"; at: number; action: "stop" };

/** Commands from the HTTP API and from the call's conversation, gated by state. */
export type CallUserCommand =
  | SayCommand
  | PlayCommand
  | SendDtmfCommand
  | GatherCommand
  | TransferCommand
  | BridgeCommand
  | BridgeCallCommand
  | HangupCommand
  | AnswerCommand
  | BreakCommand
  | AudioStreamCommand;

export type CallUserCommandType = CallUserCommand["type"];

export const USER_COMMAND_TYPES: readonly CallUserCommandType[] = [
  "say",
  "play",
  "send_dtmf",
  "gather",
  "transfer",
  "bridge",
  "bridge_call",
  "hangup",
  "answer",
  "break",
  "audio_stream",
];

/** Internal: the machine's own timers, raised with XState delays. */
export type TimerEvent =
  | { type: "timer.ring_timeout" }
  | { type: "timer.time_limit" }
  | { type: "timer.hangup_confirm" }
  | { type: "timer.hangup_complete" };

export type CallEvent = CallChannelEvent | SystemEvent | CallUserCommand | TimerEvent;

// ─── events out ──────────────────────────────────────────────────────────────

export type CallCommandEmitted = { type: "command"; command: SwitchCommand };
export type CallRefusedEmitted = {
  type: "refused";
  command: CallUserCommandType;
  reason: string;
  /** The state the call was in, e.g. "ringing" or "in_progress.collecting_digits". */
  state: string;
};
/** A gather finished: the digits collected (empty when the caller pressed nothing). */
export type CallGatheredEmitted = {
  type: "gathered";
  applicationUuid: string;
  digits: string;
  terminator: string | null;
};

export type CallEmitted = CallCommandEmitted | CallRefusedEmitted | CallGatheredEmitted;

// ─── context ─────────────────────────────────────────────────────────────────

export type CallActivity =
  | "none"
  | "idle"
  | "playing"
  | "speaking"
  | "collecting_digits"
  | "bridged"
  | "transferred";

/** The application we asked the switch to run and are waiting on (matched by Application-UUID). */
export interface PendingApplication {
  applicationUuid: string;
  application: "answer" | "playback" | "speak" | "play_and_get_digits" | "bridge";
  since: number;
  /**
   * uuid_break was sent for it already: it is ending. Another break would find
   * nothing playing and leave CF_BREAK set for the next prompt.
   */
  breakSent?: boolean;
}

export interface AudioStreamState {
  url: string;
  sampleRate: number;
  since: number;
}

export interface GatherState {
  applicationUuid: string;
  /** DTMF seen while collecting (fallback when the switch reports no variable). */
  buffer: string;
  /** The result once the gather finished, else null. */
  digits: string | null;
  terminator: string | null;
}

export interface DtmfRecord {
  digit: string;
  at: number;
}

export interface BillingData {
  durationSec: number;
  billSec: number;
  progressSec: number;
  answerSec: number;
}

/** When each timer is due (epoch ms), so a restored actor can re-arm it. */
export interface CallDeadlines {
  ring: number | null;
  timeLimit: number | null;
  hangupConfirm: number | null;
  hangupComplete: number | null;
}

export interface CallContext {
  callId: string;
  direction: CallDirection;
  from: string;
  to: string;
  callerIdName: string | null;
  dialString: string | null;
  timeoutSec: number;
  timeLimitSec: number;
  variables: Record<string, string>;
  tts: { engine: string; voice: string };
  dryRun: boolean;

  status: CallStatus;
  /** The last live status, shown while the hangup is in flight. */
  liveStatus: LiveCallStatus;
  createdAt: number;
  initiatedAt: number | null;
  ringingAt: number | null;
  earlyMediaAt: number | null;
  answeredAt: number | null;
  hangupAt: number | null;
  endedAt: number | null;
  ringSec: number | null;
  talkSec: number | null;
  billing: BillingData | null;

  hangupCause: string | null;
  q850: number | null;
  hangupBy: HangupBy | null;
  /** Free text given with an API hangup, kept for the journal. */
  hangupReason: string | null;
  /** The cause we asked the switch to hang up with, while it has not confirmed. */
  requestedCause: string | null;

  activity: CallActivity;
  pending: PendingApplication | null;
  gather: GatherState | null;
  dtmf: DtmfRecord[];
  bridgedTo: string | null;
  lastPlayback: { filePath: string; status: "playing" | "done" | "break" } | null;
  /**
   * The caller-audio stream we asked the switch for, until we stop it, the switch
   * refuses it, or the call ends. (Absent in snapshots persisted before it existed.)
   */
  audioStream?: AudioStreamState | null;
  error: string | null;

  /** Any channel event seen for this call (the channel exists on the switch). */
  channelSeen: boolean;
  answerRequested: boolean;
  linkUp: boolean;
  script: CallAction[];
  scriptIndex: number;
  deadlines: CallDeadlines;
}

// ─── machine plumbing ────────────────────────────────────────────────────────

/** The machine's four timers (call-timers.ts), named as their deadlines are. */
export type TimerName = keyof CallDeadlines;

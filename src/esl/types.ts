/**
 * The typed vocabulary between the ESL edge and the core.
 *
 * Only src/esl/ knows ESL header names and wire framing. Everything above it
 * (runtime, machines, http) speaks these types: a decoded `SwitchEvent` coming
 * in, a `SwitchCommand` going out.
 */

/** Answer-State header values (switch_channel.c). */
export type AnswerState = "ringing" | "early" | "answered" | "hangup";

/** Channel-Call-State header values (switch_channel.c, switch_channel_callstate_t). */
export type ChannelCallState =
  | "DOWN"
  | "DIALING"
  | "RINGING"
  | "EARLY"
  | "ACTIVE"
  | "HELD"
  | "RING_WAIT"
  | "HANGUP"
  | "UNHELD";

export type CallDirection = "inbound" | "outbound";

/** Fields every decoded event carries. */
export interface EventMeta {
  /** FreeSWITCH Event-Name, verbatim (CHANNEL_ANSWER, DTMF, …). */
  eventName: string;
  /** Event-Sequence: monotonic per switch; used to order and de-duplicate. */
  sequence: number;
  /** Event-Date-Timestamp converted from µs to ms since the epoch (switch clock). */
  switchTimeMs: number;
  /** performance.now() when the event's bytes were framed on our side (monotonic). */
  receivedAt: number;
  /** Core-UUID of the switch that produced the event. */
  coreUuid: string;
}

/** The channel fields FreeSWITCH puts on every channel event (basic channel data). */
export interface ChannelMeta extends EventMeta {
  /** Unique-ID: the channel UUID, which is also the call actor's id. */
  uuid: string;
  channelName: string;
  direction: CallDirection;
  answerState: AnswerState;
  callState: ChannelCallState;
  /** Channel-State, e.g. CS_EXECUTE. */
  channelState: string;
  callerIdNumber: string;
  callerIdName: string;
  destinationNumber: string;
  /** Channel variables (variable_* headers without the prefix), when the event carries them. */
  variables: Record<string, string>;
}

export type ChannelEvent =
  | (ChannelMeta & { kind: "channel.create" })
  | (ChannelMeta & { kind: "channel.outgoing" })
  | (ChannelMeta & { kind: "channel.progress" })
  | (ChannelMeta & { kind: "channel.progress_media" })
  | (ChannelMeta & { kind: "channel.answer" })
  | (ChannelMeta & { kind: "channel.park" })
  | (ChannelMeta & { kind: "channel.callstate"; originalCallState?: ChannelCallState })
  /** Outbound-socket `connect` reply and CHANNEL_DATA events. */
  | (ChannelMeta & { kind: "channel.data" })
  | (ChannelMeta & {
      kind: "channel.execute";
      application: string;
      applicationData: string;
      /** Application-UUID: the Event-UUID we sent with sendmsg. */
      applicationUuid: string;
    })
  | (ChannelMeta & {
      kind: "channel.execute_complete";
      application: string;
      applicationData: string;
      /** Application-Response; "_none_" when the app set none. */
      applicationResponse: string;
      applicationUuid: string;
    })
  | (ChannelMeta & {
      kind: "channel.dtmf";
      digit: string;
      /** DTMF-Duration in samples (8 kHz), e.g. 800 = 100 ms. */
      durationSamples: number;
      source: string;
    })
  | (ChannelMeta & { kind: "channel.bridge"; otherUuid: string })
  | (ChannelMeta & { kind: "channel.unbridge"; otherUuid: string })
  | (ChannelMeta & { kind: "channel.hangup"; hangupCause: string; q850: number })
  | (ChannelMeta & {
      kind: "channel.hangup_complete";
      hangupCause: string;
      q850: number;
      durationSec: number;
      billSec: number;
      progressSec: number;
      answerSec: number;
      /** start/answer/end epochs in seconds; 0 when the phase never happened. */
      startEpoch: number;
      answerEpoch: number;
      endEpoch: number;
    })
  | (ChannelMeta & { kind: "channel.destroy" })
  | (ChannelMeta & { kind: "playback.start"; filePath: string })
  | (ChannelMeta & { kind: "playback.stop"; filePath: string; status: "done" | "break" });

export interface BackgroundJobEvent extends EventMeta {
  kind: "background_job";
  jobUuid: string;
  jobCommand: string;
  jobCommandArg: string;
  /** The command's output: e.g. "+OK <uuid>\n" or "-ERR USER_BUSY\n". */
  body: string;
}

export interface HeartbeatEvent extends EventMeta {
  kind: "heartbeat";
  upTimeMsec: number;
  sessionCount: number;
  maxSessions: number;
  version: string;
}

export type SwitchEvent = ChannelEvent | BackgroundJobEvent | HeartbeatEvent;
export type SwitchEventKind = SwitchEvent["kind"];

/**
 * Commands the core asks the switch to carry out. Each has one ESL encoding
 * (src/esl/encode.ts): an api / bgapi command or a sendmsg execute.
 */
export type SwitchCommand =
  | {
      type: "originate";
      /** Pre-set with origination_uuid so the call's id exists before the switch answers. */
      uuid: string;
      /** A FreeSWITCH dial string: sofia/gateway/<gw>/<number>, user/<ext>, loopback/<ext>/<ctx>, error/<cause>. */
      dialString: string;
      callerIdNumber?: string;
      callerIdName?: string;
      /** originate_timeout: seconds of ringing before NO_ANSWER. */
      timeoutSec?: number;
      /** Extra channel variables set in the {…} prefix. */
      variables?: Record<string, string>;
      /** What the answered leg runs; defaults to "&park()" so the runtime drives it. */
      application?: string;
    }
  | { type: "hangup"; uuid: string; cause: string }
  | { type: "answer"; uuid: string; applicationUuid: string }
  | { type: "playback"; uuid: string; file: string; applicationUuid: string }
  | { type: "speak"; uuid: string; engine: string; voice: string; text: string; applicationUuid: string }
  | {
      type: "play_and_get_digits";
      uuid: string;
      applicationUuid: string;
      minDigits: number;
      maxDigits: number;
      tries: number;
      timeoutMs: number;
      terminators: string;
      file: string;
      invalidFile: string;
      variableName: string;
      regexp: string;
      digitTimeoutMs: number;
    }
  | { type: "bridge"; uuid: string; dialString: string; applicationUuid: string }
  | { type: "park"; uuid: string; applicationUuid: string }
  | { type: "uuid_bridge"; uuid: string; otherUuid: string }
  | { type: "transfer"; uuid: string; extension: string; dialplan?: string; context?: string }
  | { type: "send_dtmf"; uuid: string; digits: string; durationMs?: number }
  | { type: "break"; uuid: string; all?: boolean };

export type SwitchCommandType = SwitchCommand["type"];

/** One row of `show channels as json`, the fields resync needs. */
export interface ChannelSummary {
  uuid: string;
  direction: CallDirection;
  name: string;
  state: string;
  callState: string;
  callerIdNumber: string;
  callerIdName: string;
  destination: string;
  createdEpoch: number;
}

/** What a resync after a reconnect found. */
export interface ResyncReport {
  /** Channels we knew of that are still on the switch. */
  survived: ChannelSummary[];
  /** Channels we knew of that the switch no longer has: they ended while we were away. */
  vanished: string[];
  /** Channels on the switch we did not know of (e.g. after our own restart). */
  discovered: ChannelSummary[];
}

/**
 * What the switch said to a SwitchCommand sent with EslInboundClient.send().
 * A refused command (-ERR, -USAGE) is `ok: false` with the switch's text; a
 * transport failure (link down, timeout) is a rejected promise instead.
 * (Added by the ESL layer; additive.)
 */
export type CommandOutcome =
  | {
      ok: true;
      type: SwitchCommandType;
      /** The reply text (api body or sendmsg Reply-Text), trimmed; for originate the BACKGROUND_JOB body. */
      reply: string;
      /** originate: the channel uuid from "+OK <uuid>". */
      uuid?: string;
    }
  | {
      ok: false;
      type: SwitchCommandType;
      /** The switch's error text, trimmed: "-ERR USER_BUSY", "-ERR No such channel!", … */
      error: string;
      /** originate: the hangup cause from "-ERR <CAUSE>". */
      cause?: string;
    };

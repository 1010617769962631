/**
 * What the switch tells the core: channel events (and the two switch-wide
 * events the runtime sees), as typed values.
 *
 * The core owns this vocabulary (ARCHITECTURE.md, "edges translate, the core
 * speaks types"): machines and the runtime speak it, and src/esl/decode.ts is
 * the edge that turns ESL headers into it. Nothing here knows a header name
 * or the wire; the comments name the FreeSWITCH facts each field carries.
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
  | (ChannelMeta & { kind: "playback.stop"; filePath: string; status: "done" | "break" })
  /**
   * A module's CUSTOM event about the channel (Event-Name CUSTOM), e.g.
   * mod_audio_stream::connect. The body is the module's own text (JSON for
   * mod_audio_stream); the edge that knows the module reads it.
   */
  | (ChannelMeta & { kind: "channel.custom"; subclass: string; body: string });

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

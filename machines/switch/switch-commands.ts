/**
 * What the core asks the switch to do, and what the switch answered.
 *
 * Machines emit SwitchCommands as values; the runtime's executor hands them to
 * the switch link, and src/esl/encode.ts (the edge) is the only place that
 * knows their ESL encoding and refuses unsafe text.
 */

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
  /** uuid_break: stop the current playback/speak; `all` also flushes what is queued. */
  | { type: "break"; uuid: string; all?: boolean }
  /** uuid_setvar: one channel variable (e.g. what mod_audio_stream reads before a start). */
  | { type: "set_variable"; uuid: string; name: string; value: string }
  /**
   * mod_audio_stream: `uuid_audio_stream <uuid> start <ws-url> mono <rate> [metadata]`.
   * Always mono: the caller only (SMBF_READ_STREAM), never our own speech mixed in.
   */
  | {
      type: "audio_stream";
      uuid: string;
      action: "start";
      /** ws:// or wss:// URL the module connects to. */
      url: string;
      /** 8000 → `8k`, 16000 → `16k`; another multiple of 8000 is sent as a number. */
      sampleRate: number;
      /** Sent back to us as the stream's first text frame. */
      metadata?: string;
    }
  /** `uuid_audio_stream <uuid> stop`: the module closes the WebSocket (CLOSE 1000). */
  | { type: "audio_stream"; uuid: string; action: "stop" };

export type SwitchCommandType = SwitchCommand["type"];

/**
 * What the switch said to a SwitchCommand sent over the switch link (SwitchLink.send).
 * A refused command (-ERR, -USAGE) is `ok: false` with the switch's text; a
 * transport failure (link down, timeout) is a rejected promise instead.
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

/**
 * What the runtime tells the actor that issued a command: the originate left
 * (its bytes were written), the originate's BACKGROUND_JOB ("+OK <uuid>" or
 * "-ERR <CAUSE>"), or a command the switch refused or that failed in transit.
 */
export type CommandFeedback =
  | { type: "originate.sent"; at: number }
  | { type: "originate.result"; at: number; ok: boolean; cause?: string }
  | { type: "command.failed"; at: number; command: string; error: string };


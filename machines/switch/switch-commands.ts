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
  | { type: "break"; uuid: string; all?: boolean };

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

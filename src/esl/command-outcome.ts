/**
 * How the switch's answer to a SwitchCommand becomes a CommandOutcome: a
 * sendmsg Reply-Text, an api body, or an originate's BACKGROUND_JOB body
 * ("+OK <uuid>" / "-ERR <CAUSE>"), and how long an originate's job may ring
 * before it answers. Split from inbound-client.ts so the client only moves
 * bytes and the reading of FreeSWITCH's reply conventions sits in one place.
 */
import { isErrorText } from "./calls.ts";
import type { CommandOutcome, SwitchCommand, SwitchCommandType } from "../../machines/switch/index.ts";

/** A sendmsg reply (trimmed): "-ERR …" is a refusal, anything else ("+OK") success. */
export function sendmsgOutcome(type: SwitchCommandType, reply: string): CommandOutcome {
  return reply.startsWith("-") ? { ok: false, type, error: reply } : { ok: true, type, reply };
}

/** An api/response body (trimmed): -ERR / -USAGE text is a refusal. */
export function apiOutcome(type: SwitchCommandType, body: string): CommandOutcome {
  return isErrorText(body) ? { ok: false, type, error: body } : { ok: true, type, reply: body };
}

/** A BACKGROUND_JOB body (trimmed): "-ERR <CAUSE>" carries the hangup cause, "+OK <uuid>" the new channel. */
export function backgroundJobOutcome(type: SwitchCommandType, body: string): CommandOutcome {
  if (isErrorText(body)) {
    const cause = /^-ERR\s+([A-Z0-9_]+)/.exec(body)?.[1];
    return cause ? { ok: false, type, error: body, cause } : { ok: false, type, error: body };
  }
  const uuid = /^\+OK\s+(\S+)/.exec(body)?.[1];
  return uuid ? { ok: true, type, reply: body, uuid } : { ok: true, type, reply: body };
}

/** bgapi: originate. The job can ring for originate_timeout seconds before it answers. */
export function backgroundJobTimeoutMs(cmd: SwitchCommand, bgapiTimeoutMs: number): number {
  const ringMs = cmd.type === "originate" && cmd.timeoutSec !== undefined ? cmd.timeoutSec * 1000 + 10_000 : 0;
  return Math.max(bgapiTimeoutMs, ringMs);
}

/**
 * FreeSWITCH hangup causes (switch_call_cause_t, src/include/switch_types.h)
 * and their Q.850 codes. Causes above 127 are FreeSWITCH-only; FreeSWITCH
 * reports them as q850 16 in variable_hangup_cause_q850.
 */

// One table for the whole project: the same switch_types.h fact the ESL decoder uses.
import { HANGUP_CAUSES } from "../esl/hangup-causes.ts";

export { HANGUP_CAUSES };

const BY_CODE = new Map<number, string>();
for (const [name, code] of Object.entries(HANGUP_CAUSES)) BY_CODE.set(code, name);

export function isHangupCause(name: string): boolean {
  return Object.hasOwn(HANGUP_CAUSES, name.toUpperCase());
}

/** The numeric cause; unknown names give undefined. */
export function causeCode(name: string): number | undefined {
  return HANGUP_CAUSES[name.toUpperCase()];
}

/** variable_hangup_cause_q850: the cause itself when it is ≤ 127, otherwise 16 (switch_channel.c). */
export function q850For(name: string): number {
  const code = causeCode(name);
  if (code === undefined) return 16;
  return code <= 127 ? code : 16;
}

/**
 * switch_channel_str2cause: a name (case-insensitive) or a number; anything
 * else is NONE (returned as undefined here).
 */
export function str2cause(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^[0-9]/.test(trimmed)) return BY_CODE.get(Number.parseInt(trimmed, 10));
  const upper = trimmed.toUpperCase();
  return Object.hasOwn(HANGUP_CAUSES, upper) && upper !== "NONE" ? upper : undefined;
}

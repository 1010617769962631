/**
 * transfer_to_human: hands the caller to one of the definition's transfer
 * targets. The target must exist and be reachable now (its hours, in the
 * business's timezone; no hours means always); then the conversation, after
 * its next reply, transfers blind or warm with the target's ring timeout (warm:
 * the person answering first hears a one-line summary, the model's or one
 * built from the caller's number and the target).
 * Otherwise the model is told to offer to take a message instead.
 */
import type { TransferTarget } from "../../../machines/receptionist/definition.ts";
import { isWithinHours, minutesOf, type WeeklyHours } from "../../../machines/receptionist/hours.ts";
import { parseDialTarget } from "../../../machines/dial-target.ts";
import { refused, succeeded, type ReceptionistTool } from "./types.ts";
import { addDays, localDateTime, spokenDateTime, weekdayOf } from "./zoned-time.ts";

export interface TransferToHumanArgs {
  target: string;
  /**
   * The summary: one line the person answering a warm transfer hears ("Jane Doe,
   * new patient, wants to move Tuesday's cleaning"); the parameter every
   * template offers is `reason`, described to the model as exactly that.
   */
  reason?: string;
}

/** Longest summary the agent is read: one line, said before they are bridged. */
export const MAX_SUMMARY_CHARS = 200;

/**
 * What the person answering hears: the model's one line (`reason`), else
 * what is known without it: who is calling and for whom. One line, no
 * newlines, clipped (it is spoken, not read).
 */
export function transferSummary(args: TransferToHumanArgs, target: TransferTarget, callerNumber: string | null | undefined): string {
  const given = (args.reason?.trim() ?? "").replace(/\s+/g, " ");
  const line = given || `${callerNumber ? `A caller from ${callerNumber}` : "A caller"} asking for ${target.name.replace(/_/g, " ")}`;
  return line.length > MAX_SUMMARY_CHARS ? `${line.slice(0, MAX_SUMMARY_CHARS - 1).trimEnd()}…` : line;
}

const snake = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");

/** The target the model named: its name exactly, in other case or spacing ("Front Desk"), or as its name plus a word ("billing department"). */
export function findTarget(targets: readonly TransferTarget[], named: string): TransferTarget | null {
  const wanted = snake(named);
  const exact = targets.find((t) => t.name === wanted);
  if (exact) return exact;
  const words = new Set(wanted.split("_"));
  const partial = targets.filter((t) => t.name.split("_").every((w) => words.has(w)));
  return partial.length === 1 ? partial[0]! : null;
}

/** When the target next answers, as "Monday, March 9 at 8 AM", looking a week ahead; null when never. */
export function nextOpening(hours: WeeklyHours, now: Date, zone: string): { date: string; time: string } | null {
  const local = localDateTime(now, zone);
  const nowMinutes = minutesOf(local.time);
  for (let d = 0; d <= 7; d++) {
    const date = addDays(local.date, d);
    const opens = (hours[weekdayOf(date)] ?? [])
      .map((r) => r.open)
      .filter((open) => d > 0 || minutesOf(open) > nowMinutes)
      .sort();
    if (opens.length > 0) return { date, time: opens[0]! };
  }
  return null;
}

export const transferToHuman: ReceptionistTool<TransferToHumanArgs> = {
  name: "transfer_to_human",
  async run(ctx, args) {
    const definition = ctx.receptionist.definition;
    const targets = definition.transfer_targets;
    const target = findTarget(targets, args.target);
    if (!target) {
      return refused(
        "unknown_target",
        targets.length > 0 ? `There is nobody called "${args.target}" to transfer to.` : "There is nobody to transfer callers to.",
        targets.length > 0
          ? `Call again with "target" one of: ${targets.map((t) => (t.description ? `${t.name} (${t.description})` : t.name)).join(", ")}; or offer to take a message.`
          : "Offer to take a message instead.",
        { targets: targets.map((t) => t.name) },
      );
    }
    if (parseDialTarget(target.dial_string) === null) {
      // The definition schema checks dial strings; a stored one that no longer parses is not dialled.
      return refused("unavailable", `${target.name} can't be reached by phone right now.`, "Apologise, and offer to take a message.");
    }
    const zone = definition.business.timezone;
    const local = localDateTime(ctx.now, zone);
    if (target.hours && !isWithinHours(target.hours, local.weekday, local.time)) {
      const next = nextOpening(target.hours, ctx.now, zone);
      return refused(
        "out_of_hours",
        `${target.name} is not available right now${next ? `; they are back ${spokenDateTime(next.date, next.time)}` : ""}.`,
        "Tell the caller, and offer to take a message (take_message) so they are called back.",
        { target: target.name, ...(next ? { available_again: spokenDateTime(next.date, next.time) } : {}) },
        { target: target.name, localTime: `${local.date} ${local.time}`, weekday: local.weekday, nextOpening: next },
      );
    }
    const summary = transferSummary(args, target, ctx.callerNumber);
    return succeeded(
      {
        target: target.name,
        warm: target.warm,
        next_step: target.warm
          ? "Tell the caller you are connecting them and they may hear hold music for a moment; the transfer starts after your reply."
          : "Tell the caller you are transferring them now; the transfer starts after your reply.",
      },
      { target: target.name, dialString: target.dial_string, warm: target.warm, ringTimeoutS: target.ring_timeout_s, summary },
      { type: "transfer", to: target.dial_string, target: target.name, warm: target.warm, ringTimeoutS: target.ring_timeout_s, summary },
    );
  },
};

/**
 * A conversation's transfer as GET /v1/conversations/:id shows it, read from
 * the journals (no column of its own, like the safety interventions): live and
 * after the conversation ended, the same way.
 *
 *  - warm (runtime/warm-transfer.ts): the caller's call journals
 *    WARM_TRANSFER_RINGING (the agent's leg placed), then _ANSWERED (the agent
 *    heard the summary; CHANNEL_BRIDGE to the agent's call follows, or
 *    _BRIDGE_FAILED), _UNANSWERED (with the agent's hangup cause), _CANCELLED
 *    (the caller left while it rang); _FAILED when the leg could not be placed;
 *  - blind: the conversation journals its `transfer` command (the dial string);
 *    the caller's call then bridges (CHANNEL_BRIDGE), refuses the command, or
 *    hangs up first.
 * The target's name and kind come from the transfer_to_human tool call that
 * asked for it, when there was one (a receptionist's conversation).
 *
 * Only the last transfer is shown: one nobody answered leaves the caller with
 * the bot, who may try again.
 */
import type { Db } from "../db/client.ts";
import { listEvents } from "../db/queries/call-events.ts";
import type { CallEventRow } from "../db/schema.ts";

/** How a transfer went; ringing / answered / transferring while it is under way. */
export const TRANSFER_RESULTS = ["ringing", "answered", "transferring", "bridged", "no_answer", "busy", "failed", "cancelled"] as const;
export type TransferResult = (typeof TRANSFER_RESULTS)[number];

export interface TransferJson {
  /** The transfer target's name (transfer_to_human's `target`); null when no tool named one. */
  target: string | null;
  warm: boolean;
  /** The dial string rung. */
  to: string;
  /** The agent's call (a call actor of its own, GET /v1/calls/:id); null for a blind transfer, whose B-leg only the switch holds. */
  agent_call_id: string | null;
  result: TransferResult;
  /** Why it did not go through: the agent leg's hangup cause, the refusal, the failure. */
  cause: string | null;
  started_at: string;
  ended_at: string | null;
}

type JournalRow = Pick<CallEventRow, "kind" | "name" | "data" | "at">;

/** The journal entries a transfer is read from. */
export const WARM_TRANSFER_EVENTS = {
  ringing: "WARM_TRANSFER_RINGING",
  answered: "WARM_TRANSFER_ANSWERED",
  unanswered: "WARM_TRANSFER_UNANSWERED",
  cancelled: "WARM_TRANSFER_CANCELLED",
  bridgeFailed: "WARM_TRANSFER_BRIDGE_FAILED",
  failed: "WARM_TRANSFER_FAILED",
} as const;

/** Hangup causes (Q.850 names as FreeSWITCH gives them) that mean nobody picked up, or the line was busy. */
const NO_ANSWER_CAUSES = new Set(["NO_ANSWER", "NO_USER_RESPONSE", "ALLOTTED_TIMEOUT"]);
const BUSY_CAUSES = new Set(["USER_BUSY", "CALL_REJECTED"]);
/** The caller's own leg ended: they left, nothing failed. */
const CALLER_LEFT_CAUSES = new Set(["ORIGINATOR_CANCEL", "NORMAL_CLEARING"]);

const field = (data: unknown, key: string): unknown => (typeof data === "object" && data !== null ? (data as Record<string, unknown>)[key] : undefined);
const str = (data: unknown, key: string): string | null => {
  const v = field(data, key);
  return typeof v === "string" ? v : null;
};
const iso = (d: Date) => d.toISOString();

/** An unanswered agent leg's reason (its hangup cause, else the runtime's words) as a result. */
export function unansweredResult(reason: string | null): TransferResult {
  if (reason && NO_ANSWER_CAUSES.has(reason)) return "no_answer";
  if (reason && BUSY_CAUSES.has(reason)) return "busy";
  return "failed";
}

/** The target the transfer was asked for: the last transfer_to_human that succeeded at or before `at`. */
function targetOf(conversation: readonly JournalRow[], at: Date): string | null {
  let found: string | null = null;
  for (const r of conversation) {
    if (r.at > at) break;
    if (r.name !== "TOOL_CALLED" || str(r.data, "name") !== "transfer_to_human" || str(r.data, "outcome") !== "ok") continue;
    try {
      const result = JSON.parse(str(r.data, "result") ?? "null") as unknown;
      found = str(result, "target") ?? found;
    } catch {
      // A result that is not JSON names no target; the transfer is still shown.
    }
  }
  return found;
}

/** The caller's call hung up (its CHANNEL_HANGUP_COMPLETE or CHANNEL_HANGUP) after `after`. */
function hangupAfter(call: readonly JournalRow[], after: Date): JournalRow | null {
  return call.find((r) => r.at >= after && (r.name === "CHANNEL_HANGUP_COMPLETE" || r.name === "CHANNEL_HANGUP")) ?? null;
}

function warmTransfer(call: readonly JournalRow[], start: number): Omit<TransferJson, "target" | "warm"> {
  const first = call[start]!;
  const base = { to: str(first.data, "to") ?? "", agent_call_id: str(first.data, "agent_call_id"), started_at: iso(first.at) };
  if (first.name === WARM_TRANSFER_EVENTS.failed) return { ...base, result: "failed", cause: str(first.data, "reason"), ended_at: iso(first.at) };
  const agent = base.agent_call_id;
  let answered = false;
  for (const r of call.slice(start + 1)) {
    if (r.name === WARM_TRANSFER_EVENTS.ringing || r.name === WARM_TRANSFER_EVENTS.failed) break; // another transfer: not ours
    if (field(r.data, "agent_call_id") !== undefined && str(r.data, "agent_call_id") !== agent) continue;
    switch (r.name) {
      case WARM_TRANSFER_EVENTS.answered:
        answered = true;
        break;
      case WARM_TRANSFER_EVENTS.unanswered: {
        const reason = str(r.data, "reason");
        return { ...base, result: unansweredResult(reason), cause: reason, ended_at: iso(r.at) };
      }
      case WARM_TRANSFER_EVENTS.cancelled:
        return { ...base, result: "cancelled", cause: "the caller hung up while the agent was rung", ended_at: iso(r.at) };
      case WARM_TRANSFER_EVENTS.bridgeFailed:
        return { ...base, result: "failed", cause: str(r.data, "reason"), ended_at: iso(r.at) };
      case "CHANNEL_BRIDGE":
        if (answered && str(r.data, "otherUuid") === agent) return { ...base, result: "bridged", cause: null, ended_at: iso(r.at) };
        break;
      case "CHANNEL_HANGUP_COMPLETE":
        // The caller left after the agent answered, before the bridge (watchBridge journals nothing then).
        if (answered) return { ...base, result: "cancelled", cause: str(r.data, "hangupCause"), ended_at: iso(r.at) };
        break;
    }
  }
  return { ...base, result: answered ? "answered" : "ringing", cause: null, ended_at: null };
}

function blindTransfer(command: JournalRow, call: readonly JournalRow[]): Omit<TransferJson, "target" | "warm"> {
  const base = { to: str(command.data, "to") ?? "", agent_call_id: null, started_at: iso(command.at) };
  for (const r of call) {
    if (r.at < command.at) continue;
    // The call refused the bridge/transfer it was sent (not in a state to take it).
    if (r.kind === "refusal" && (r.name === "bridge" || r.name === "transfer")) {
      return { ...base, result: "failed", cause: str(r.data, "reason") ?? "refused", ended_at: iso(r.at) };
    }
    if (r.name === "CHANNEL_BRIDGE") return { ...base, result: "bridged", cause: null, ended_at: iso(r.at) };
  }
  const hangup = hangupAfter(call, command.at);
  if (hangup) {
    const cause = str(hangup.data, "hangupCause");
    return { ...base, result: cause && CALLER_LEFT_CAUSES.has(cause) ? "cancelled" : "failed", cause, ended_at: iso(hangup.at) };
  }
  return { ...base, result: "transferring", cause: null, ended_at: null };
}

/**
 * The last transfer, from the conversation's journal and its call's (each in
 * seq order); null when the conversation never transferred.
 */
export function transferFromJournals(conversation: readonly JournalRow[], call: readonly JournalRow[]): TransferJson | null {
  let warmAt = -1;
  for (let i = call.length - 1; i >= 0; i--) {
    const name = call[i]!.name;
    if (name === WARM_TRANSFER_EVENTS.ringing || name === WARM_TRANSFER_EVENTS.failed) {
      warmAt = i;
      break;
    }
  }
  let blind: JournalRow | null = null;
  for (const r of conversation) if (r.kind === "command" && r.name === "transfer") blind = r;
  const warm = warmAt >= 0 ? call[warmAt]! : null;
  if (!warm && !blind) return null;
  const isWarm = warm !== null && (blind === null || warm.at >= blind.at);
  const startedAt = isWarm ? warm!.at : blind!.at;
  const leg = isWarm ? warmTransfer(call, warmAt) : blindTransfer(blind!, call);
  return { target: targetOf(conversation, startedAt), warm: isWarm, ...leg };
}

/** GET /v1/conversations/:id's `transfer`: read from both journals. */
export async function transferOf(db: Db, conversationId: string, callId: string): Promise<TransferJson | null> {
  const [conversation, call] = await Promise.all([listEvents(db, conversationId), listEvents(db, callId)]);
  return transferFromJournals(conversation, call);
}

/**
 * The JSON shape of a call (snake_case, Twilio's status names), for a live call
 * held by an actor and for a stored CDR alike.
 */
import type { CallEventRow, CallRow, NewCall } from "../db/schema.ts";
import type { LiveCallView } from "../runtime/call-record.ts";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function callJson(cdr: NewCall | CallRow, live?: LiveCallView) {
  return {
    id: cdr.id,
    direction: cdr.direction,
    from: cdr.fromNumber ?? null,
    to: cdr.toNumber,
    status: cdr.status,
    state: cdr.stateValue ?? null,
    live: live?.live ?? false,
    activity: live?.activity ?? null,
    hangup_cause: cdr.hangupCause ?? null,
    q850: cdr.q850 ?? null,
    hangup_by: cdr.hangupBy ?? null,
    created_at: iso(cdr.createdAt),
    initiated_at: iso(cdr.initiatedAt),
    ringing_at: iso(cdr.ringingAt),
    answered_at: iso(cdr.answeredAt),
    ended_at: iso(cdr.endedAt),
    ring_sec: cdr.ringSec ?? null,
    talk_sec: cdr.talkSec ?? null,
    dtmf: live?.dtmf ?? null,
    gather: live?.lastGather ?? null,
    bridged_to: live?.bridgedTo ?? null,
    status_callback: cdr.statusCallback ?? null,
    dry_run: cdr.dryRun ?? false,
    error: cdr.error ?? null,
  };
}

export function eventJson(row: CallEventRow) {
  return { seq: row.seq, kind: row.kind, name: row.name, at: row.at.toISOString(), data: row.data ?? null };
}

/**
 * Projections of a call actor: the CDR row the journal writes, and the JSON
 * view the HTTP layer shows. Pure functions of the machine's snapshot.
 */
import { callStateName, callStatus, type CallContext, type CallSnapshot } from "../../machines/call.ts";
import type { NewCall } from "../db/schema.ts";

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function cdrFromSnapshot(snapshot: CallSnapshot, extra: { statusCallback?: string | null; dryRun: boolean }): NewCall {
  const c: CallContext = snapshot.context;
  return {
    id: c.callId,
    direction: c.direction,
    fromNumber: c.from,
    toNumber: c.to,
    status: callStatus(snapshot),
    stateValue: callStateName(snapshot),
    hangupCause: c.hangupCause,
    q850: c.q850,
    hangupBy: c.hangupBy,
    createdAt: new Date(c.createdAt),
    initiatedAt: date(c.initiatedAt),
    ringingAt: date(c.ringingAt),
    answeredAt: date(c.answeredAt),
    endedAt: date(c.endedAt),
    ringSec: c.ringSec,
    talkSec: c.talkSec,
    statusCallback: extra.statusCallback ?? null,
    dryRun: extra.dryRun,
    error: c.error,
  };
}

/** The live view of a call: the same field names as a stored CDR (see http/calls-view.ts). */
export interface LiveCallView {
  cdr: NewCall;
  activity: string;
  bridgedTo: string | null;
  dtmf: string;
  lastGather: { digits: string | null; terminator: string | null } | null;
  live: boolean;
}

export function liveView(snapshot: CallSnapshot, extra: { statusCallback?: string | null; dryRun: boolean }): LiveCallView {
  const c = snapshot.context;
  return {
    cdr: cdrFromSnapshot(snapshot, extra),
    activity: c.activity,
    bridgedTo: c.bridgedTo,
    dtmf: c.dtmf.map((d) => d.digit).join(""),
    lastGather: c.gather ? { digits: c.gather.digits, terminator: c.gather.terminator } : null,
    live: snapshot.status === "active",
  };
}

/**
 * The call kind: how the actor host runs a call actor (machines/call.ts), one
 * per FreeSWITCH channel, keyed by its channel UUID.
 *
 * - Its snapshot is persisted as its CDR row, with XState's persisted snapshot
 *   while it lives (a restarted runtime resumes it: reconcile.ts).
 * - The SwitchCommands it emits go to the executor; its refusals and gather
 *   results are journalled.
 * - It takes the switch's channel events and link notices (the router).
 * - Commands to it (HTTP, or its conversation) pass its machine's state gate.
 * - Supervision: a call actor that throws ends as failed, and its channel is
 *   hung up rather than left parked with nobody driving it.
 */
import { callMachine, callStateName, callStatus, refusal, type CallInput, type CallMachine, type CallUserCommand } from "../../machines/call.ts";
import type { JournalWriter } from "../db/journal.ts";
import type { ActorKind } from "./actor-kind.ts";
import { cdrFromSnapshot } from "./call-record.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import { redactToken, type SwitchExecutor } from "./switch-executor.ts";
import type { SwitchLink } from "./switch-link.ts";

/** What the host keeps beside a call's machine. */
export interface CallMeta {
  direction: "inbound" | "outbound";
  statusCallback: string | null;
  /** Journalled as if placed; its commands never reach the switch. */
  dryRun: boolean;
  /** performance.now() of the HTTP request that placed it, until its originate is written. */
  requestReceivedAt?: number;
}

export interface CallSpawn {
  input: CallInput;
  meta: CallMeta;
  /** Another call this one belongs to (a warm transfer's agent leg → the caller's call). */
  parentId?: string;
}

export type CallKind = ActorKind<CallMachine, CallSpawn, CallMeta>;

export interface CallKindDeps {
  executor: Pick<SwitchExecutor, "execute">;
  link: Pick<SwitchLink, "connected" | "send">;
  journal: Pick<JournalWriter, "upsertCall">;
  metrics: Pick<RuntimeMetrics, "callsEnded">;
}

export function createCallKind({ executor, link, journal, metrics }: CallKindDeps): CallKind {
  return {
    name: "call",
    machine: callMachine,

    create: ({ input, meta, parentId }) => ({ id: input.callId, input, meta, parentId: parentId ?? null }),

    state: (snapshot) => ({ name: callStateName(snapshot), status: callStatus(snapshot) }),

    summary: (snapshot, entry) => {
      const c = snapshot.context;
      return {
        direction: c.direction,
        from: c.from,
        to: c.to,
        activity: c.activity,
        pending: c.pending,
        bridged_to: c.bridgedTo,
        audio_stream: c.audioStream ? { ...c.audioStream, url: redactToken(c.audioStream.url) } : null,
        link_up: c.linkUp,
        dtmf: c.dtmf.map((d) => d.digit).join(""),
        dry_run: entry.meta.dryRun,
      };
    },

    persist: (entry, snapshot, persisted) => {
      const row = cdrFromSnapshot(snapshot, entry.meta);
      // A live call keeps its persisted snapshot so a restarted runtime can resume it.
      row.snapshot = persisted;
      journal.upsertCall(row);
    },

    resumed: (now) => ({ type: "resume", at: now }),

    emitted: {
      command: (entry, { command }) => {
        executor.execute(entry, command, { dryRun: entry.meta.dryRun, requestReceivedAt: entry.meta.requestReceivedAt });
        if (command.type === "originate") entry.meta.requestReceivedAt = undefined;
      },
      refused: (entry, e, host) => host.journal(entry.id, "refusal", e.command, { reason: e.reason, state: e.state }),
      gathered: (entry, e, host) => host.journal(entry.id, "event", "GATHERED", { digits: e.digits, terminator: e.terminator }),
    },

    refusal: (snapshot, command) => refusal(snapshot, command as CallUserCommand),

    fromSwitch: {
      // The machine takes a channel event as `{ ...channelEvent, type: channelEvent.kind }`.
      channel: (event, now) => ({ ...event, type: event.kind, at: now }),
      link: (up, now) => ({ type: up ? "link.up" : "link.down", at: now }),
      vanished: (now) => ({ type: "channel.vanished", at: now }),
    },

    // Each direction has its own limit: a flood of inbound calls never makes POST /v1/calls answer 429.
    group: (meta) => meta.direction,

    retired: (_entry, snapshot) => metrics.callsEnded.inc({ status: callStatus(snapshot) }),

    crashed: (entry, err) => {
      const row = cdrFromSnapshot(entry.actor.getSnapshot(), entry.meta);
      row.status = "failed";
      row.error = `actor failed: ${String((err as Error)?.message ?? err)}`;
      row.endedAt = new Date();
      row.snapshot = null;
      journal.upsertCall(row);
      metrics.callsEnded.inc({ status: "failed" });
      // Do not leave a channel nobody drives on the switch.
      if (link.connected && !entry.meta.dryRun) {
        void link.send({ type: "hangup", uuid: entry.id, cause: "NORMAL_TEMPORARY_FAILURE" }).catch(() => {});
      }
    },
  };
}

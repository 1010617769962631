/**
 * The receptionist's tools: what each one is given and what it answers.
 *
 * A tool reads its context and arguments, does its work in the database, and
 * answers with `content`, the JSON text the model reads (no internal ids: the
 * model could say them), `data`, the same result with ids for the journal,
 * the text test bench and the post-call analysis, and, for a transfer or the
 * end of the call, `then`: what the conversation does after its next reply.
 * A tool never throws for anything a caller or a model can cause.
 */
import type { ReceptionistDefinition } from "../../../machines/receptionist/definition.ts";
import type { ReceptionistToolName } from "../../../machines/receptionist/tools.ts";
import type { Db } from "../../db/client.ts";

export interface ReceptionistToolContext {
  db: Db;
  /** The receptionist and the definition version the conversation started with (pinned: edits do not reach live calls). */
  receptionist: { id: string; version: number; definition: ReceptionistDefinition };
  /** Stored on the rows the tool writes; null when there is none (a direct call in a test). */
  conversationId: string | null;
  callId: string | null;
  /** The caller's number as the switch reported it, for "call me back on this number". */
  callerNumber?: string | null;
  /** The tool's clock: lead times, "today" and opening hours are read from it. */
  now: Date;
  /** The text test bench: rows are written and read as sandbox rows only, never mixed with real ones. */
  sandbox: boolean;
}

/**
 * What the conversation does once the reply that follows has been spoken. A
 * superset of machines/conversation-types.ts ToolFollowUp: the transfer
 * carries how to ring the target.
 */
export type ToolFollowUp =
  | {
      type: "transfer";
      /** The target's dial string as the definition gives it (a bare number still goes through the configured gateway). */
      to: string;
      /** The transfer target's name. */
      target: string;
      /** Warm: the caller holds while the person answering hears `summary`, then both are bridged. */
      warm: boolean;
      /** No answer within this long: the caller is back with the receptionist, who offers to take a message. */
      ringTimeoutS: number;
      /** One line for the person answering (the model's `summary` or `reason`, else who calls for whom). */
      summary: string;
    }
  | { type: "hang_up"; reason?: string };

/** Why a tool did not do what was asked; null when it did. */
export type ToolRefusal =
  | "invalid_arguments"
  | "invalid_phone"
  | "not_offered"
  | "not_bookable"
  | "slot_taken"
  | "not_found"
  | "ambiguous"
  | "unknown_target"
  | "out_of_hours"
  | "unavailable";

export interface ToolResult<D = Record<string, unknown>> {
  /** Did the tool do what was asked (booked, cancelled, recorded, found, connecting)? */
  ok: boolean;
  /** Why not, when it did not. */
  refusal: ToolRefusal | null;
  /** What the model reads: JSON text, caller-facing `message` / `error` and a `next_step` for the model. */
  content: string;
  /** The structured result (with ids), for the journal, the test bench and the analysis. */
  data?: D;
  then?: ToolFollowUp;
}

export interface ReceptionistTool<A = Record<string, unknown>> {
  name: ReceptionistToolName;
  /** Runs with arguments the registry has already checked against the tool's parameters. */
  run(ctx: ReceptionistToolContext, args: A): Promise<ToolResult>;
}

/** The model's view of a result: snake_case JSON, never an id. */
export function modelContent(view: Record<string, unknown>): string {
  return JSON.stringify(view);
}

export function succeeded(view: Record<string, unknown>, data?: Record<string, unknown>, then?: ToolFollowUp): ToolResult {
  return { ok: true, refusal: null, content: modelContent({ ok: true, ...view }), ...(data ? { data } : {}), ...(then ? { then } : {}) };
}

/** A refusal: `error` is said to the caller in substance; `next_step` tells the model what to do. */
export function refused(
  refusal: ToolRefusal,
  error: string,
  nextStep: string,
  extra: Record<string, unknown> = {},
  data?: Record<string, unknown>,
): ToolResult {
  return {
    ok: false,
    refusal,
    content: modelContent({ ok: false, status: refusal, error, ...extra, next_step: nextStep }),
    ...(data ? { data } : {}),
  };
}

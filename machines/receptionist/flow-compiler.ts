/**
 * Compiling a flow: the JSON is checked (flow-schema.ts part by part,
 * flow-check.ts as a whole), versioned, and built into its XState machine.
 * Deterministic: the same JSON always gives the same version and the same
 * machine; any change to it gives a new version.
 *
 * Pinning: a conversation stores the compiled flow's `version` and its
 * `flow` (the checked JSON) with its own record when it starts, and runs the
 * machine built from that — never the receptionist's current flow. Editing a
 * receptionist compiles a new flow for new calls; a live or restored
 * conversation recompiles its stored JSON (same version, same machine) and
 * resumes its persisted flow snapshot in it (`resumableIn`).
 */
import type { Snapshot } from "xstate";
import { buildFlowMachine, type FlowContext, type FlowMachine } from "./flow-machine.ts";
import { flowErrorsFromZod, FlowSchema, type Flow, type FlowError } from "./flow-schema.ts";
import { flowVersion } from "./flow-version.ts";

export interface CompiledFlow {
  /** "sha256:<hex>" of the compiler version and the checked flow. */
  version: string;
  /** The checked flow, defaults filled in (frozen: the machine was built from it). */
  flow: Flow;
  machine: FlowMachine;
}

export type FlowCompilation = { ok: true; compiled: CompiledFlow } | { ok: false; errors: FlowError[] };

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Checks and compiles flow JSON; every error found, each with its path. */
export function compileFlow(input: unknown): FlowCompilation {
  const parsed = FlowSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: flowErrorsFromZod(parsed.error) };
  return { ok: true, compiled: compileCheckedFlow(parsed.data) };
}

/** Compiles a flow that already passed FlowSchema (e.g. inside a parsed receptionist definition). */
export function compileCheckedFlow(flow: Flow): CompiledFlow {
  const frozen = deepFreeze(structuredClone(flow));
  const version = flowVersion(frozen);
  return { version, flow: frozen, machine: buildFlowMachine(frozen, version) };
}

export class FlowCompileError extends Error {
  constructor(readonly errors: FlowError[]) {
    super(`the flow does not compile: ${errors.map((e) => `${e.path || "(flow)"}: ${e.message}`).join("; ")}`);
    this.name = "FlowCompileError";
  }
}

/** compileFlow for flows that must be sound (the shipped templates): throws FlowCompileError. */
export function compileFlowOrThrow(input: unknown): CompiledFlow {
  const result = compileFlow(input);
  if (!result.ok) throw new FlowCompileError(result.errors);
  return result.compiled;
}

/** The flow version a (persisted) flow snapshot belongs to; null when it is not a flow snapshot. */
export function snapshotFlowVersion(snapshot: Snapshot<unknown>): string | null {
  const context = (snapshot as { context?: Partial<FlowContext> }).context;
  return typeof context?.version === "string" ? context.version : null;
}

/** True when a persisted flow snapshot can be resumed in this compiled flow (same version). */
export function resumableIn(compiled: CompiledFlow, snapshot: Snapshot<unknown>): boolean {
  return snapshotFlowVersion(snapshot) === compiled.version;
}

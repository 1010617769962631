/**
 * A checked flow as an XState machine: one state per node, a transition on
 * `function.<name>` for each function offered there (global functions in
 * every state that is not final), the node's pre_actions as its entry, its
 * post_actions as its exit, and its timeout as an XState delay.
 *
 * The machine performs nothing: what must happen is recorded. Each function
 * taken is a *step* — from, to, via, and the actions to perform in order (the
 * node left's post_actions, then the node entered's pre_actions) — kept in
 * context (`step`, numbered by `seq`) and emitted as `flow.step`. A consumer
 * performs each step once: the conversation reads the snapshot after sending
 * a function, or gets it through `invoke.onSnapshot`. The node path is kept
 * for the post-call record.
 *
 * A function with no next_node is a step with no actions (the node is not
 * left); one whose next_node is its own node re-enters it (post_actions, then
 * pre_actions again, and the timer restarts).
 *
 * Timeout: a node with timeout_s is a compound state — `waiting` (the timer
 * runs) and `paused`. The conversation sends `flow.listening` when it starts
 * waiting for the caller (re-arming the timer from zero) and `flow.busy` while
 * someone speaks or a tool runs; the timer firing emits `flow.timeout`, counts
 * it in context and pauses until the next `flow.listening`. A node starts
 * `waiting`. A restored snapshot has no scheduled timer (XState does not
 * persist delayed events): the conversation's first `flow.listening` re-arms it.
 */
import { assign, emit, setup, type SnapshotFrom } from "xstate";
import { flowCommand, type Flow, type FlowAction, type FlowCommand, type FlowFunction } from "./flow-schema.ts";

/** One action of a step: which node it belongs to, and whether it ran on leaving or entering it. */
export interface FlowStepAction {
  node: string;
  when: "pre" | "post";
  command: FlowCommand;
}

export interface FlowStep {
  /** 0 for entering the initial node; +1 for each function taken. */
  seq: number;
  /** null for the initial node. */
  from: string | null;
  to: string;
  /** The function taken (null for the initial node). */
  via: string | null;
  arguments: Record<string, unknown> | null;
  actions: FlowStepAction[];
}

export interface FlowVisit {
  node: string;
  via: string | null;
}

export interface FlowContext {
  version: string;
  node: string;
  step: FlowStep;
  /** Nodes entered, oldest first (the last MAX_PATH). */
  path: FlowVisit[];
  timeouts: number;
}

/** A function call taken by the flow; the arguments are the model's (already parsed). */
export type FlowFunctionEvent = { type: `function.${string}`; arguments?: Record<string, unknown> };
export type FlowEvent = FlowFunctionEvent | { type: "flow.listening" } | { type: "flow.busy" };

export type FlowEmitted = { type: "flow.step"; step: FlowStep } | { type: "flow.timeout"; node: string; timeoutMs: number; count: number };

/** What a state's meta holds: the node as the compiled machine offers it. */
export interface FlowNodeMeta {
  node: string;
  task: string | null;
  final: boolean;
  timeoutMs: number | null;
  functions: FlowFunction[];
  preActions: FlowAction[];
  postActions: FlowAction[];
}

export interface FlowRootMeta {
  version: string;
  initial: string;
  globalFunctions: FlowFunction[];
}

/** A long call that loops between nodes keeps its latest visits; the path is for the post-call record. */
export const MAX_PATH = 200;

export const FLOW_MACHINE_ID = "flow";
export const FUNCTION_EVENT_PREFIX = "function.";

export const functionEvent = (name: string): `function.${string}` => `function.${name}`;

function functionOf(event: FlowEvent): { name: string; args: Record<string, unknown> | null } | null {
  if (!event.type.startsWith(FUNCTION_EVENT_PREFIX)) return null;
  const args = "arguments" in event && event.arguments !== undefined ? event.arguments : null;
  return { name: event.type.slice(FUNCTION_EVENT_PREFIX.length), args };
}

const visit = (path: FlowVisit[], entry: FlowVisit) => [...path, entry].slice(-MAX_PATH);

/** Builds the machine for a flow that passed FlowSchema (the compiler's job). */
export function buildFlowMachine(flow: Flow, version: string) {
  const commands = (node: string, when: "pre" | "post"): FlowStepAction[] => {
    const spec = flow.nodes[node]!;
    return (when === "pre" ? spec.pre_actions : spec.post_actions).map((action) => ({ node, when, command: flowCommand(action) }));
  };

  const flowSetup = setup({
    types: {
      context: {} as FlowContext,
      events: {} as FlowEvent,
      emitted: {} as FlowEmitted,
      output: {} as FlowContext,
    },
    actions: {
      /** Exit: a function was taken out of this node; its step starts with the node's post_actions. */
      leaveNode: assign(({ context, event }, { node }: { node: string }) => {
        const fn = functionOf(event);
        return {
          step: { seq: context.step.seq + 1, from: node, to: node, via: fn?.name ?? null, arguments: fn?.args ?? null, actions: commands(node, "post") },
        };
      }),
      /** Entry: the step ends with the node's pre_actions (the initial node's entry is step 0). */
      enterNode: assign(({ context, event }, { node }: { node: string }) => {
        const initial = functionOf(event) === null;
        const step: FlowStep = initial
          ? { seq: 0, from: null, to: node, via: null, arguments: null, actions: commands(node, "pre") }
          : { ...context.step, to: node, actions: [...context.step.actions, ...commands(node, "pre")] };
        return { node, step, path: visit(context.path, { node, via: step.via }) };
      }),
      /** A function that leaves the node where it is: a step with nothing to perform. */
      stayInNode: assign(({ context, event }, { node }: { node: string }) => {
        const fn = functionOf(event);
        return { step: { seq: context.step.seq + 1, from: node, to: node, via: fn?.name ?? null, arguments: fn?.args ?? null, actions: [] } };
      }),
      announceStep: emit(({ context }) => ({ type: "flow.step" as const, step: context.step })),
      countTimeout: assign({ timeouts: ({ context }) => context.timeouts + 1 }),
      announceTimeout: emit(({ context }, { timeoutMs }: { timeoutMs: number }) => ({
        type: "flow.timeout" as const,
        node: context.node,
        timeoutMs,
        count: context.timeouts,
      })),
    },
  });

  type Config = Parameters<typeof flowSetup.createMachine>[0];
  type StateConfig = NonNullable<Config["states"]>[string];
  type Transitions = NonNullable<StateConfig["on"]>;

  const stateFor = (node: string): StateConfig => {
    const spec = flow.nodes[node]!;
    const meta: FlowNodeMeta = {
      node,
      task: spec.task ?? null,
      final: spec.final,
      timeoutMs: spec.timeout_s === undefined ? null : spec.timeout_s * 1000,
      functions: spec.functions,
      preActions: spec.pre_actions,
      postActions: spec.post_actions,
    };
    const entry = [{ type: "enterNode", params: { node } }, { type: "announceStep" }] as const;
    if (spec.final) return { type: "final", meta, entry };

    const on: Record<string, unknown> = {};
    for (const fn of [...spec.functions, ...flow.global_functions]) {
      on[functionEvent(fn.name)] =
        fn.next_node === undefined
          ? { actions: [{ type: "stayInNode", params: { node } }, { type: "announceStep" }] }
          : { target: fn.next_node, reenter: fn.next_node === node };
    }
    const state: StateConfig = { meta, entry, exit: [{ type: "leaveNode", params: { node } }], on: on as Transitions };
    if (meta.timeoutMs === null) return state;
    const timeoutMs = meta.timeoutMs;
    return {
      ...state,
      initial: "waiting",
      states: {
        waiting: {
          after: { [timeoutMs]: { target: "paused", actions: ["countTimeout", { type: "announceTimeout", params: { timeoutMs } }] } },
          on: { "flow.listening": { target: "waiting", reenter: true }, "flow.busy": "paused" },
        },
        paused: { on: { "flow.listening": "waiting" } },
      },
    };
  };

  const rootMeta: FlowRootMeta = { version, initial: flow.initial_node, globalFunctions: flow.global_functions };
  return flowSetup.createMachine({
    id: FLOW_MACHINE_ID,
    meta: rootMeta,
    initial: flow.initial_node,
    context: {
      version,
      node: flow.initial_node,
      step: { seq: 0, from: null, to: flow.initial_node, via: null, arguments: null, actions: [] },
      path: [],
      timeouts: 0,
    },
    output: ({ context }) => context,
    states: Object.fromEntries(Object.keys(flow.nodes).map((node) => [node, stateFor(node)])),
  });
}

export type FlowMachine = ReturnType<typeof buildFlowMachine>;
export type FlowSnapshot = SnapshotFrom<FlowMachine>;

/**
 * A compiled flow as an owner inspects it (GET /v1/receptionists/:id/flow):
 * its states with what each one does, and its transitions. Read off the
 * compiled machine itself — each state's meta and its `function.*`
 * transitions — so the description shows what the machine will do, not what
 * the JSON was meant to say. snake_case: it is served as JSON.
 */
import type { CompiledFlow } from "./flow-compiler.ts";
import { FUNCTION_EVENT_PREFIX, type FlowNodeMeta, type FlowRootMeta } from "./flow-machine.ts";
import type { FlowAction, FlowFunction } from "./flow-schema.ts";

export interface FlowFunctionDescription {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  /** null: the conversation stays in the node. */
  next_node: string | null;
}

export interface FlowStateDescription {
  name: string;
  task: string | null;
  final: boolean;
  /** The node's own functions (the global ones are offered too unless it is final). */
  functions: FlowFunctionDescription[];
  pre_actions: FlowAction[];
  post_actions: FlowAction[];
  timeout_s: number | null;
}

export interface FlowTransition {
  from: string;
  /** The machine event: "function.<name>". */
  event: string;
  to: string;
  function: string;
  /** A global function (offered in every state that is not final). */
  global: boolean;
}

export interface FlowDescription {
  version: string;
  initial: string;
  states: FlowStateDescription[];
  global_functions: FlowFunctionDescription[];
  /** Every transition that changes (or re-enters) the node, state by state, in the flow's order; staying functions are not transitions. */
  transitions: FlowTransition[];
}

const describeFunction = (fn: FlowFunction): FlowFunctionDescription => ({
  name: fn.name,
  description: fn.description,
  parameters: fn.parameters,
  next_node: fn.next_node ?? null,
});

export function describeFlow(compiled: CompiledFlow): FlowDescription {
  const root = compiled.machine.root;
  const rootMeta = root.meta as FlowRootMeta;
  const globals = new Set(rootMeta.globalFunctions.map((fn) => fn.name));
  const states: FlowStateDescription[] = [];
  const transitions: FlowTransition[] = [];
  for (const [name, state] of Object.entries(root.states)) {
    const meta = state.meta as FlowNodeMeta;
    states.push({
      name,
      task: meta.task,
      final: meta.final,
      functions: meta.functions.map(describeFunction),
      pre_actions: meta.preActions,
      post_actions: meta.postActions,
      timeout_s: meta.timeoutMs === null ? null : meta.timeoutMs / 1000,
    });
    for (const [event, definitions] of Object.entries(state.on)) {
      if (!event.startsWith(FUNCTION_EVENT_PREFIX)) continue;
      const fn = event.slice(FUNCTION_EVENT_PREFIX.length);
      for (const definition of definitions) {
        for (const target of definition.target ?? []) {
          transitions.push({ from: name, event, to: target.key, function: fn, global: globals.has(fn) });
        }
      }
    }
  }
  return {
    version: rootMeta.version,
    initial: rootMeta.initial,
    states,
    global_functions: rootMeta.globalFunctions.map(describeFunction),
    transitions,
  };
}

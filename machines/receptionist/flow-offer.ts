/**
 * What the conversation reads from the flow machine's snapshot: which node it
 * is in, the task given to the model there, and the functions it may call
 * now (the node's own, then the global ones) as language-model tools. Pure:
 * a snapshot in, plain data out; the machine's own state meta is the source,
 * so what is offered is what the compiled machine takes.
 */
import { FLOW_MACHINE_ID, functionEvent, type FlowNodeMeta, type FlowRootMeta, type FlowSnapshot, type FlowStep } from "./flow-machine.ts";
import type { FlowFunction } from "./flow-schema.ts";
import type { FlowToolSpec } from "./tools.ts";

export interface FlowOffer {
  version: string;
  node: string;
  /** The model's instructions in this node (null in a final node). */
  task: string | null;
  /** The node's own functions. */
  tools: FlowToolSpec[];
  /** The global functions (none in a final node). */
  globalTools: FlowToolSpec[];
  /** The node's silence timeout (null: the conversation's own reprompt timer applies). */
  timeoutMs: number | null;
  /** The conversation ends here. */
  final: boolean;
}

export const toolSpec = (fn: FlowFunction): FlowToolSpec => ({ name: fn.name, description: fn.description, parameters: fn.parameters });

function metaOf(snapshot: FlowSnapshot): { node: FlowNodeMeta; root: FlowRootMeta } {
  const meta = snapshot.getMeta() as Record<string, unknown>;
  const node = meta[`${FLOW_MACHINE_ID}.${snapshot.context.node}`] as FlowNodeMeta | undefined;
  const root = meta[FLOW_MACHINE_ID] as FlowRootMeta | undefined;
  if (node === undefined || root === undefined) throw new Error(`flow snapshot is not in node "${snapshot.context.node}" of a compiled flow`);
  return { node, root };
}

export function flowOffer(snapshot: FlowSnapshot): FlowOffer {
  const { node, root } = metaOf(snapshot);
  return {
    version: snapshot.context.version,
    node: node.node,
    task: node.task,
    tools: node.functions.map(toolSpec),
    globalTools: node.final ? [] : root.globalFunctions.map(toolSpec),
    timeoutMs: node.timeoutMs,
    final: node.final,
  };
}

/** Every tool offered now, own first: the list the model is given. */
export function offeredTools(offer: FlowOffer): FlowToolSpec[] {
  return [...offer.tools, ...offer.globalTools];
}

/** True when the flow takes this function in its current node (it is offered there and the flow has not ended). */
export function flowTakes(snapshot: FlowSnapshot, name: string): boolean {
  return snapshot.status === "active" && snapshot.can({ type: functionEvent(name) });
}

/** The latest step: compare its seq with the last one performed to perform each step once. */
export function latestStep(snapshot: FlowSnapshot): FlowStep {
  return snapshot.context.step;
}

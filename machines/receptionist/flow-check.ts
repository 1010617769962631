/**
 * The checks that look at a flow as a whole, after each part has passed its
 * own schema: every name a function leads to is a node, every node can be
 * reached from the initial node and has a way out, function names are not
 * ambiguous, the receptionist's tools get the arguments they rely on.
 *
 * "A way out" is defined so that it can be checked without running the flow.
 * A node has one when it is final (the conversation ends there), or one of its
 * pre_actions transfers or hangs up (the call leaves the conversation on
 * entry), or a function offered there — its own or a global one — leads to a
 * different node. Post-actions do not count: they run only when the node is
 * left by a function, so they cannot be the way out themselves.
 */
import { isReceptionistTool, RECEPTIONIST_TOOL_NAMES, checkToolContract } from "./tools.ts";
import { checkToolParameters } from "./json-schema.ts";
import { flowPath, NODE_NAME, NODE_NAME_HELP, type FlowError } from "./flow-names.ts";
import type { FlowAction, FlowFunction, FlowNode } from "./flow-schema.ts";

/** The flow as the shape schema parsed it (the input of these checks). */
export interface FlowShape {
  initial_node: string;
  nodes: Record<string, FlowNode>;
  global_functions: FlowFunction[];
}

export interface FlowCheckError extends FlowError {
  segments: (string | number)[];
}

type Segments = (string | number)[];

/** Every problem found, in the order of the flow's JSON; empty when the flow is sound. */
export function checkFlow(flow: FlowShape): FlowCheckError[] {
  const errors: FlowCheckError[] = [];
  const report = (segments: Segments, message: string) => errors.push({ segments, path: flowPath(segments), message });
  const names = Object.keys(flow.nodes);
  const isNode = (name: string) => Object.hasOwn(flow.nodes, name);
  const nodeList = names.length <= 12 ? ` (nodes: ${names.join(", ")})` : "";

  if (!isNode(flow.initial_node)) report(["initial_node"], `"${flow.initial_node}" is not a node of this flow${nodeList}`);

  const globalNames = checkFunctionNames(flow.global_functions, ["global_functions"], new Map(), report);
  flow.global_functions.forEach((fn, i) => checkFunction(fn, ["global_functions", i], flow, report, nodeList));

  for (const name of names) {
    const node = flow.nodes[name]!;
    const at = (...rest: Segments): Segments => ["nodes", name, ...rest];
    if (!NODE_NAME.test(name)) report(at(), `"${name}" ${NODE_NAME_HELP}`);
    checkFunctionNames(node.functions, at("functions"), globalNames, report);
    node.functions.forEach((fn, i) => checkFunction(fn, at("functions", i), flow, report, nodeList));
    checkActionOrder(node.pre_actions, at("pre_actions"), report);
    checkActionOrder(node.post_actions, at("post_actions"), report);
    if (node.final) {
      if (node.functions.length > 0) report(at("functions"), "must be empty in a final node: the conversation ends there, nothing is called");
      if (node.post_actions.length > 0) report(at("post_actions"), "must be empty in a final node: it is never left, so they would never run");
      if (node.timeout_s !== undefined) report(at("timeout_s"), "has no use in a final node: nobody is waited for");
    } else {
      if (node.task === undefined) report(at("task"), "is required: the model needs to know what to do in this node (only a final node goes without)");
      if (!hasWayOut(name, node, flow.global_functions)) {
        report(at(), "has no way out: no function leads to another node, no pre_action transfers or hangs up, and it is not final");
      }
    }
  }

  if (isNode(flow.initial_node)) {
    const reached = reachable(flow);
    for (const name of names) {
      if (!reached.has(name)) report(["nodes", name], `cannot be reached from initial_node "${flow.initial_node}": no function leads here`);
    }
  }
  return errors;
}

/** Names unique within the list, and not a global's name; returns the names seen. */
function checkFunctionNames(functions: FlowFunction[], at: Segments, globals: Map<string, number>, report: (s: Segments, m: string) => void): Map<string, number> {
  const seen = new Map<string, number>();
  functions.forEach((fn, i) => {
    const first = seen.get(fn.name);
    if (first !== undefined) report([...at, i, "name"], `"${fn.name}" is already function ${first} of this list: a name must be unique so the model's call is unambiguous`);
    else if (globals.has(fn.name)) report([...at, i, "name"], `"${fn.name}" is a global function (global_functions.${globals.get(fn.name)}): a node cannot define it again`);
    if (first === undefined) seen.set(fn.name, i);
  });
  return seen;
}

function checkFunction(fn: FlowFunction, at: Segments, flow: FlowShape, report: (s: Segments, m: string) => void, nodeList: string): void {
  if (fn.next_node !== undefined) {
    const target = flow.nodes[fn.next_node];
    if (!Object.hasOwn(flow.nodes, fn.next_node) || target === undefined) report([...at, "next_node"], `"${fn.next_node}" is not a node of this flow${nodeList}`);
    // end_call ends the call: leading anywhere but a final node would contradict it.
    else if (fn.name === "end_call" && !target.final) report([...at, "next_node"], `"${fn.next_node}" is not a final node: end_call must lead to one (or have no next_node, and the tool hangs up)`);
  }
  if (isReceptionistTool(fn.name)) {
    // Parameters that are not a valid schema are reported by the schema already; the contract is read once they are.
    if (checkToolParameters(fn.parameters).length > 0) return;
    for (const problem of checkToolContract(fn.name, fn.parameters)) report([...at, "parameters", ...problem.path], problem.message);
  } else if (fn.next_node === undefined) {
    report([...at, "next_node"], `is required: "${fn.name}" is not one of the receptionist's tools (${RECEPTIONIST_TOOL_NAMES.join(", ")}), so all it can do is move the conversation to a node`);
  }
}

/** Nothing is performed after a transfer or a hangup: the call has left the conversation. */
function checkActionOrder(actions: FlowAction[], at: Segments, report: (s: Segments, m: string) => void): void {
  const leaving = actions.findIndex((a) => a.transfer !== undefined || a.hangup !== undefined);
  if (leaving >= 0 && leaving < actions.length - 1) {
    report([...at, leaving + 1], `comes after ${actions[leaving]!.hangup ? "a hangup" : "a transfer"} (${flowPath([...at, leaving])}): it would never run`);
  }
}

function hasWayOut(name: string, node: FlowNode, globals: FlowFunction[]): boolean {
  if (node.final) return true;
  if (node.pre_actions.some((a) => a.transfer !== undefined || a.hangup !== undefined)) return true;
  return [...node.functions, ...globals].some((fn) => fn.next_node !== undefined && fn.next_node !== name);
}

/** Nodes reachable from the initial node over function edges; global functions lead out of every non-final node. */
function reachable(flow: FlowShape): Set<string> {
  const reached = new Set<string>([flow.initial_node]);
  const queue = [flow.initial_node];
  while (queue.length > 0) {
    const node = flow.nodes[queue.shift()!];
    if (node === undefined || node.final) continue;
    for (const fn of [...node.functions, ...flow.global_functions]) {
      const next = fn.next_node;
      if (next !== undefined && Object.hasOwn(flow.nodes, next) && !reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  return reached;
}

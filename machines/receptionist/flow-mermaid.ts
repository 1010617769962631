/**
 * A compiled flow as a Mermaid `stateDiagram-v2`, so it can be drawn.
 *
 * Drawing choices:
 * - `[*] --> <initial>`, and `<final> --> [*]` for each final node.
 * - One arrow per pair of nodes, labelled with the function names that take
 *   it (joined with ", ").
 * - Global functions are drawn once, not from every node: from a dashed
 *   pseudo-state "any node" (id `any_node`, or `any_node_2`… if a node has that
 *   id), whose description says they are offered in every node that is not final.
 * - Functions that stay in their node, the node's timeout and its actions are
 *   description lines inside the state ("offers answer_faq", "timeout 8 s",
 *   "on entry say, transfer").
 * - A node name that is not a plain identifier (spaces, punctuation, a
 *   Mermaid keyword such as `end`) gets an id `node_<n>` and is shown through
 *   `state "<name>" as node_<n>`; `"` would be written as `#quot;`.
 */
import type { CompiledFlow } from "./flow-compiler.ts";
import { describeFlow, type FlowStateDescription } from "./flow-describe.ts";
import { flowCommand, type FlowAction } from "./flow-schema.ts";

const PLAIN_ID = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Words the stateDiagram grammar reads as its own; a state id must not be one (compared case-insensitively). */
const MERMAID_WORDS = new Set([
  "end", "state", "note", "as", "direction", "classdef", "class", "style", "click", "left", "right", "of", "fork", "join",
  "choice", "default", "acctitle", "accdescr", "hide", "scale", "statediagram", "concurrent", "tb", "bt", "lr", "rl",
]);

const INDENT = "    ";

export function mermaidLabel(text: string): string {
  return text.replaceAll('"', "#quot;");
}

function mermaidIds(names: string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set(names.filter((n) => PLAIN_ID.test(n) && !MERMAID_WORDS.has(n.toLowerCase())));
  names.forEach((name, index) => {
    if (taken.has(name)) {
      ids.set(name, name);
      return;
    }
    let id = `node_${index + 1}`;
    for (let n = 2; taken.has(id); n++) id = `node_${index + 1}_${n}`;
    taken.add(id);
    ids.set(name, id);
  });
  return ids;
}

const actionKinds = (actions: FlowAction[]) => actions.map((a) => flowCommand(a).type).join(", ");

function descriptionLines(state: FlowStateDescription): string[] {
  const lines: string[] = [];
  const stays = state.functions.filter((fn) => fn.next_node === null).map((fn) => fn.name);
  if (stays.length > 0) lines.push(`offers ${stays.join(", ")}`);
  if (state.timeout_s !== null) lines.push(`timeout ${state.timeout_s} s`);
  if (state.pre_actions.length > 0) lines.push(`on entry ${actionKinds(state.pre_actions)}`);
  if (state.post_actions.length > 0) lines.push(`on exit ${actionKinds(state.post_actions)}`);
  return lines;
}

/** Edges between the same two states, merged into one labelled arrow; first-seen order. */
function mergeEdges(edges: { from: string; to: string; label: string }[]): { from: string; to: string; labels: string[] }[] {
  const merged = new Map<string, { from: string; to: string; labels: string[] }>();
  for (const { from, to, label } of edges) {
    const key = JSON.stringify([from, to]);
    const edge = merged.get(key) ?? { from, to, labels: [] };
    if (!edge.labels.includes(label)) edge.labels.push(label);
    merged.set(key, edge);
  }
  return [...merged.values()];
}

export function flowMermaid(compiled: CompiledFlow): string {
  const description = describeFlow(compiled);
  const names = description.states.map((s) => s.name);
  const ids = mermaidIds(names);
  const id = (name: string) => ids.get(name)!;
  const out: string[] = ["stateDiagram-v2", `${INDENT}%% flow ${description.version}`];

  for (const name of names) {
    if (id(name) !== name) out.push(`${INDENT}state "${mermaidLabel(name)}" as ${id(name)}`);
  }
  out.push(`${INDENT}[*] --> ${id(description.initial)}`);
  for (const state of description.states) {
    for (const line of descriptionLines(state)) out.push(`${INDENT}${id(state.name)} : ${line}`);
  }
  const local = description.transitions.filter((t) => !t.global).map((t) => ({ from: id(t.from), to: id(t.to), label: t.function }));
  for (const edge of mergeEdges(local)) out.push(`${INDENT}${edge.from} --> ${edge.to} : ${edge.labels.join(", ")}`);
  for (const state of description.states) if (state.final) out.push(`${INDENT}${id(state.name)} --> [*]`);

  if (description.global_functions.length > 0) {
    let anyNode = "any_node";
    for (let n = 2; [...ids.values()].includes(anyNode); n++) anyNode = `any_node_${n}`;
    out.push(`${INDENT}state "any node" as ${anyNode}`);
    out.push(`${INDENT}${anyNode} : global functions, offered in every node that is not final`);
    const stays = description.global_functions.filter((fn) => fn.next_node === null).map((fn) => fn.name);
    if (stays.length > 0) out.push(`${INDENT}${anyNode} : offers ${stays.join(", ")}`);
    const globalEdges = description.global_functions
      .filter((fn) => fn.next_node !== null)
      .map((fn) => ({ from: anyNode, to: id(fn.next_node!), label: fn.name }));
    for (const edge of mergeEdges(globalEdges)) out.push(`${INDENT}${edge.from} --> ${edge.to} : ${edge.labels.join(", ")}`);
    out.push(`${INDENT}classDef global stroke-dasharray: 5 5`);
    out.push(`${INDENT}class ${anyNode} global`);
  }
  return `${out.join("\n")}\n`;
}

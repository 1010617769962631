/**
 * A conversation that runs a receptionist flow: the compiled flow machine
 * (machines/receptionist/) decides which node the call is in, what the model
 * is told there (`Current task (node "X")`, one system message replaced on
 * each move) and which functions it is offered; each function the flow takes
 * is a step whose actions (the node left's post_actions, the node entered's
 * pre_actions) the conversation performs once, by seq.
 *
 * Pure and serialisable: the conversation's context keeps the pinned flow
 * (its version and checked JSON) and the flow machine's state as plain data
 * ({value, context}); the machine is rebuilt from the JSON (deterministic,
 * cached by version) and stepped with XState's pure `transition`. Node
 * timeouts are the conversation's silence timer (the node's timeout_s
 * replaces silenceRepromptMs there); the flow machine's own delays are not
 * scheduled.
 *
 * A function call from the model is one of: not offered in this node (an
 * error result, the flow does not move); a tool (a name in the conversation's
 * tools: the tool actor runs it and, only when its result is ok, the flow
 * takes the function with the same arguments); a routing function (offered,
 * not a tool: answered `{"ok":true,"node":"<next>"}` at once and taken).
 */
import { initialTransition, transition } from "xstate";
import type { Change } from "./conversation-records.ts";
import { newReply, queueSentences, sentence } from "./conversation-reply.ts";
import type { BotReply, BotSentence, ConversationContext } from "./conversation-types.ts";
import { saysEmergencyKeyword } from "./emergency-keywords.ts";
import type { ChatMessage, ToolSpec } from "./ports/index.ts";
import { buildFlowMachine, functionEvent, type FlowContext, type FlowMachine, type FlowSnapshot, type FlowStep, type FlowVisit } from "./receptionist/flow-machine.ts";
import { flowOffer, flowTakes, offeredTools, type FlowOffer } from "./receptionist/flow-offer.ts";
import type { Flow } from "./receptionist/flow-schema.ts";
import { taskMessage } from "./receptionist/prompt.ts";

/** What a conversation input carries to run a flow: the version pinned at start and its checked JSON. */
export interface ConversationFlowInput {
  version: string;
  flow: Flow;
  /** Words in a final transcript that take `function` (a global function leading to the emergency node). */
  emergency?: { keywords: string[]; function: string } | null;
}

export interface ConversationFlowState {
  version: string;
  flow: Flow;
  emergency: { keywords: string[]; function: string } | null;
  /** The flow machine's state, plain data. */
  state: { value: unknown; context: FlowContext; status: "active" | "done" };
  /** The seq of the last step performed (-1: none yet). */
  performed: number;
}

const machines = new Map<string, FlowMachine>();

/** The machine for a pinned flow: the same JSON always builds the same machine (cached by version). */
export function flowMachineOf(flow: { version: string; flow: Flow }): FlowMachine {
  let machine = machines.get(flow.version);
  if (machine === undefined) {
    machine = buildFlowMachine(flow.flow, flow.version);
    if (machines.size > 256) machines.clear();
    machines.set(flow.version, machine);
  }
  return machine;
}

const plain = (s: FlowSnapshot): ConversationFlowState["state"] => ({
  value: structuredClone(s.value),
  context: structuredClone(s.context),
  status: s.status === "done" ? "done" : "active",
});

export function initialFlowState(input: ConversationFlowInput): ConversationFlowState {
  const [snapshot] = initialTransition(flowMachineOf(input), undefined as never);
  return { version: input.version, flow: input.flow, emergency: input.emergency ?? null, state: plain(snapshot), performed: -1 };
}

export function flowSnapshot(fs: ConversationFlowState): FlowSnapshot {
  return flowMachineOf(fs).resolveState({ value: fs.state.value as never, context: fs.state.context }) as FlowSnapshot;
}

export function currentOffer(fs: ConversationFlowState): FlowOffer {
  return flowOffer(flowSnapshot(fs));
}

export const flowPath = (fs: ConversationFlowState): FlowVisit[] => fs.state.context.path;
export const flowNode = (fs: ConversationFlowState): string => fs.state.context.node;
export const flowEnded = (fs: ConversationFlowState | null): boolean => fs !== null && fs.state.status === "done";

/** The tools the model is given now: the flow's offer, or the conversation's own tools without a flow. */
export function toolsNow(context: ConversationContext): ToolSpec[] {
  return context.flow === null ? context.tools : offeredTools(currentOffer(context.flow));
}

export function isOffered(context: ConversationContext, name: string): boolean {
  return context.flow === null ? true : offeredTools(currentOffer(context.flow)).some((t) => t.name === name);
}

/** A function of the flow that no tool implements: the conversation answers it itself. */
export function isRoutingFunction(context: ConversationContext, name: string): boolean {
  return context.flow !== null && isOffered(context, name) && !context.tools.some((t) => t.name === name);
}

export const notOfferedResult = (name: string): string => `error: ${name} is not offered now; use one of the functions you have.`;
export const routedResult = (node: string): string => JSON.stringify({ ok: true, node });

const TASK_PREFIX = 'Current task (node "';
const isTask = (m: ChatMessage) => m.role === "system" && typeof m.content === "string" && m.content.startsWith(TASK_PREFIX);

/** The messages with the node's task as the one task message, right after the system prompt. */
export function withTask(messages: ChatMessage[], offer: FlowOffer): ChatMessage[] {
  const rest = messages.filter((m) => !isTask(m));
  const task = taskMessage(offer.node, offer.task);
  if (task === null) return rest;
  return [...rest.slice(0, 1), { role: "system", content: task }, ...rest.slice(1)];
}

function playSentence(reply: BotReply, url: string): BotReply {
  // Nothing to render (the file is the utterance) and nothing the model said.
  const s: BotSentence = {
    ...sentence(reply.nextKey, `[plays ${url}]`, "script"),
    forModel: false,
    status: "ready",
    utterance: { kind: "play", file: url, cached: true },
  };
  return { ...reply, sentences: [...reply.sentences, s], nextKey: reply.nextKey + 1 };
}

/**
 * Performs the flow's latest step if it has not been: say → a script
 * sentence, play → the file, transfer → the reply's follow-up (once its
 * speech is done), hangup or a final node → hang up after speaking (outcome
 * completed). The first follow-up wins.
 */
export function performStep(context: ConversationContext): Change {
  const fs = context.flow;
  if (fs === null) return { patch: {}, emitted: [] };
  const step: FlowStep = fs.state.context.step;
  if (step.seq <= fs.performed) return { patch: {}, emitted: [] };
  let reply = context.reply ?? newReply("notice", null, false);
  for (const action of step.actions) {
    const c = action.command;
    if (c.type === "say") reply = queueSentences(reply, [c.text], "script");
    else if (c.type === "play") reply = playSentence(reply, c.url);
    else if (c.type === "transfer") reply = { ...reply, then: reply.then ?? { type: "transfer", to: c.to } };
    else reply = { ...reply, then: reply.then ?? { type: "hang_up", reason: `flow node ${action.node}` } };
  }
  if (fs.state.status === "done" && reply.then === null) reply = { ...reply, then: { type: "hang_up", reason: `flow ended in ${fs.state.context.node}` } };
  // A final node: nothing more is asked of the model.
  if (fs.state.status === "done") reply = { ...reply, needsLlm: false };
  return { patch: { reply, flow: { ...fs, performed: step.seq } }, emitted: [] };
}

/** The flow takes a function (the model's arguments): it moves, the task message follows, the step is performed. */
export function takeFunction(context: ConversationContext, name: string, args: Record<string, unknown>): Change {
  const fs = context.flow;
  if (fs === null) return { patch: {}, emitted: [] };
  const snapshot = flowSnapshot(fs);
  if (!flowTakes(snapshot, name)) return { patch: {}, emitted: [] };
  const [next] = transition(flowMachineOf(fs), snapshot, { type: functionEvent(name), arguments: args });
  const moved: ConversationFlowState = { ...fs, state: plain(next as FlowSnapshot) };
  const messages = withTask(context.messages, flowOffer(next as FlowSnapshot));
  const ctx = { ...context, flow: moved, messages };
  const performed = performStep(ctx);
  const step = moved.state.context.step;
  const notice = { type: "flow.step" as const, seq: step.seq, from: step.from, to: step.to, via: step.via, actions: step.actions.map((a) => a.command.type) };
  return { patch: { flow: moved, messages, ...performed.patch }, emitted: [notice, ...performed.emitted] };
}

/** Where a routing function leads (its node, or the current one for a function that stays). */
export function nextNodeOf(context: ConversationContext, name: string): string {
  const fs = context.flow;
  if (fs === null) return "";
  const node = fs.flow.nodes[fs.state.context.node];
  const fn = [...(node?.functions ?? []), ...fs.flow.global_functions].find((f) => f.name === name);
  return fn?.next_node ?? fs.state.context.node;
}

/**
 * An emergency keyword in what the caller said, when the flow takes the emergency function now: whole words, and
 * not a mention the caller explicitly denies ("it's not an emergency", "the swelling went down"; emergency-keywords.ts).
 */
export function emergencyHeard(context: ConversationContext, text: string): boolean {
  const fs = context.flow;
  if (fs === null || fs.emergency === null) return false;
  if (!saysEmergencyKeyword(text, fs.emergency.keywords)) return false;
  return flowTakes(flowSnapshot(fs), fs.emergency.function);
}

/** The node's silence timeout, when the flow's node has one; else the conversation's. */
export function silenceMs(context: ConversationContext): number {
  if (context.flow === null) return context.settings.silenceRepromptMs;
  return currentOffer(context.flow).timeoutMs ?? context.settings.silenceRepromptMs;
}


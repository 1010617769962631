/**
 * The conversation machine running a receptionist flow (conversation-flow.ts)
 * with fakes: the model is offered the node's functions and the global ones,
 * the node's task is one system message replaced on each move, a tool moves
 * the flow only after an ok result, a routing function is answered at once,
 * a function not offered is refused, pre/post actions are performed once,
 * a final node speaks and hangs up (outcome completed), an emergency keyword
 * takes the emergency function, and the node's timeout is the silence timer.
 */
import { describe, expect, test } from "bun:test";
import { compileFlowOrThrow, RECEPTIONIST_TOOLS } from "../../machines/receptionist/index.ts";
import { flowNode, flowPath } from "../../machines/conversation-flow.ts";
import type { ConversationCommand } from "../../machines/conversation.ts";
import { startConversation, type Harness, type ToolImpl } from "./conversation-fakes.ts";

const EMPTY = { type: "object", properties: {}, additionalProperties: false };

const FLOW = compileFlowOrThrow({
  initial_node: "greeting",
  nodes: {
    greeting: {
      task: "Find out what the caller needs.",
      functions: [
        { ...RECEPTIONIST_TOOLS.check_availability, next_node: "booking" },
        { name: "leave_message", description: "The caller wants to leave a message.", parameters: EMPTY, next_node: "message" },
      ],
      timeout_s: 5,
    },
    booking: {
      task: "Book the appointment.",
      functions: [{ ...RECEPTIONIST_TOOLS.book_appointment, next_node: "wrap_up" }],
      pre_actions: [{ say: "Let's find you a time." }],
      post_actions: [{ play: "/sounds/booked.wav" }],
    },
    message: { task: "Take a message.", functions: [{ ...RECEPTIONIST_TOOLS.take_message, next_node: "wrap_up" }] },
    emergency: { task: "Help with the emergency.", pre_actions: [{ say: "Call 911 now." }], functions: [{ ...RECEPTIONIST_TOOLS.take_message, next_node: "wrap_up" }] },
    wrap_up: { task: "Ask if there is anything else.", functions: [{ name: "something_else", description: "More.", parameters: EMPTY, next_node: "greeting" }] },
    goodbye: { final: true, pre_actions: [{ say: "Goodbye!" }, { hangup: true }] },
  },
  global_functions: [
    RECEPTIONIST_TOOLS.transfer_to_human,
    { name: "report_emergency", description: "An emergency.", parameters: EMPTY, next_node: "emergency" },
    { ...RECEPTIONIST_TOOLS.end_call, next_node: "goodbye" },
  ],
});

const TOOLS = [RECEPTIONIST_TOOLS.check_availability, RECEPTIONIST_TOOLS.book_appointment, RECEPTIONIST_TOOLS.take_message, RECEPTIONIST_TOOLS.transfer_to_human, RECEPTIONIST_TOOLS.end_call];
const GREETING = "Thanks for calling Elm Street Dental.";

const ok = (content: unknown, extra: object = {}): ToolImpl => async () => ({ content: JSON.stringify(content), finishedAt: 2_000, ok: true, ...extra });

function start(tools: Record<string, ToolImpl> = {}, settings = {}): Harness {
  return startConversation({
    input: {
      firstMessage: GREETING,
      systemPrompt: "You are the phone receptionist for Elm Street Dental.",
      tools: TOOLS,
      flow: { version: FLOW.version, flow: FLOW.flow, emergency: { keywords: ["chest pain", "bleeding"], function: "report_emergency" } },
      settings,
    },
    tools,
  });
}

/** Plays every say and play the call was asked for, to the end. */
async function playEverything(h: Harness) {
  const acked = new Set<string>();
  for (;;) {
    const next = h.commands().find((c): c is Extract<ConversationCommand, { type: "say" | "play" }> => (c.type === "say" || c.type === "play") && !acked.has(c.id));
    if (next === undefined) return;
    acked.add(next.id);
    await h.playbackStarted(next.id);
    await h.advance(100);
    await h.playbackStopped(next.id, "done", 100);
  }
}

const toolNames = (h: Harness) => h.llm().input.tools.map((t) => t.name);
const tasks = (h: Harness) => h.llm().input.messages.filter((m) => m.role === "system" && String(m.content).startsWith("Current task")).map((m) => m.content);
const call = (id: string, name: string, args: object = {}) => ({ id, name, arguments: JSON.stringify(args) });

async function greeted(tools: Record<string, ToolImpl> = {}, settings = {}) {
  const h = start(tools, settings);
  await h.answer();
  await playEverything(h);
  return h;
}

describe("a conversation running a flow", () => {
  test("the model is offered the node's functions then the global ones, with the node's task", async () => {
    const h = await greeted();
    expect(h.ctx().messages[0]).toEqual({ role: "system", content: "You are the phone receptionist for Elm Street Dental." });
    await h.say("Hi there");
    expect(toolNames(h)).toEqual(["check_availability", "leave_message", "transfer_to_human", "report_emergency", "end_call"]);
    expect(tasks(h)).toEqual(['Current task (node "greeting"): Find out what the caller needs.']);
  });

  test("a tool runs, and only after its ok result the flow moves: new tools, the task replaced, pre_actions said once", async () => {
    let allow = false;
    const h = await greeted({
      check_availability: async () => ({ content: allow ? '{"ok":true}' : '{"ok":false}', finishedAt: 2_000, ok: allow }),
    });
    await h.say("Can I book a cleaning tomorrow?");
    await h.llmToolCall(call("c1", "check_availability", { date: "2026-03-13" }));
    await h.llmFinish("tool_calls");
    expect(h.toolRequests.map((r) => [r.name, r.arguments])).toEqual([["check_availability", { date: "2026-03-13" }]]);
    expect(flowNode(h.ctx().flow!)).toBe("greeting"); // refused: no move
    expect(toolNames(h)).toContain("leave_message");
    allow = true;
    await h.llmToolCall(call("c2", "check_availability", { date: "2026-03-14" }));
    await h.llmFinish("tool_calls");
    expect(flowNode(h.ctx().flow!)).toBe("booking");
    expect(toolNames(h)).toEqual(["book_appointment", "transfer_to_human", "report_emergency", "end_call"]);
    expect(tasks(h)).toEqual(['Current task (node "booking"): Book the appointment.']);
    await h.llmText("Ten is free.");
    await h.llmFinish("stop");
    await playEverything(h);
    expect(h.says().filter((s) => s === "Let's find you a time.")).toHaveLength(1);
    expect(h.says().indexOf("Let's find you a time.")).toBeLessThan(h.says().indexOf("Ten is free."));
    expect(flowPath(h.ctx().flow!).map((v) => [v.node, v.via])).toEqual([["greeting", null], ["booking", "check_availability"]]);
  });

  test("a routing function is answered at once with its node, without a tool, and taken", async () => {
    const h = await greeted();
    await h.say("I'd like to leave a message");
    await h.llmToolCall(call("r1", "leave_message"));
    await h.llmFinish("tool_calls");
    expect(h.toolRequests).toHaveLength(0);
    const result = h.ctx().messages.find((m) => m.role === "tool" && m.toolCallId === "r1");
    expect(result?.content).toBe('{"ok":true,"node":"message"}');
    expect(h.ctx().toolCalls.map((t) => [t.name, t.outcome])).toEqual([["leave_message", "ok"]]);
    expect(toolNames(h)).toEqual(["take_message", "transfer_to_human", "report_emergency", "end_call"]);
    expect(tasks(h)).toEqual(['Current task (node "message"): Take a message.']);
    expect(h.notices("flow.step")).toEqual([{ type: "flow.step", seq: 1, from: "greeting", to: "message", via: "leave_message", actions: [] }]);
  });

  test("a function the node does not offer is refused and the flow stays", async () => {
    const h = await greeted({ book_appointment: ok({ ok: true }) });
    await h.say("Book me at ten");
    await h.llmToolCall(call("x1", "book_appointment", { date: "2026-03-13", time: "10:00", name: "A", phone: "1" }));
    await h.llmFinish("tool_calls");
    expect(h.toolRequests).toHaveLength(0);
    const rec = h.ctx().toolCalls[0]!;
    expect(rec.outcome).toBe("unknown_tool");
    expect(rec.result).toContain("not offered");
    expect(flowNode(h.ctx().flow!)).toBe("greeting");
  });

  test("leaving a node performs its post_actions (a play), then the next node's", async () => {
    const h = await greeted({ check_availability: ok({ ok: true }), book_appointment: ok({ ok: true, booked: true }) });
    await h.say("Book a cleaning tomorrow");
    await h.llmToolCall(call("a", "check_availability", { date: "2026-03-13" }));
    await h.llmFinish("tool_calls");
    await h.llmToolCall(call("b", "book_appointment", { date: "2026-03-13", time: "10:00", name: "Ann Lee", phone: "555" }));
    await h.llmFinish("tool_calls");
    expect(flowNode(h.ctx().flow!)).toBe("wrap_up");
    await h.llmText("You're booked.");
    await h.llmFinish("stop");
    await playEverything(h);
    const plays = h.commands().filter((c) => c.type === "play");
    expect(plays.map((c) => (c as { url: string }).url)).toEqual(["/sounds/booked.wav"]);
  });

  test("a final node: its goodbye is said, the model is not asked again, the call is hung up with outcome completed", async () => {
    const h = await greeted({ end_call: ok({ ok: true }, { then: { type: "hang_up" } }) });
    await h.say("That's all, bye");
    const requests = h.llms.length;
    await h.llmToolCall(call("e", "end_call", { reason: "done" }));
    await h.llmFinish("tool_calls");
    expect(h.llms.length).toBe(requests);
    await playEverything(h);
    expect(h.says()).toContain("Goodbye!");
    const hangups = h.commands().filter((c) => c.type === "hangup");
    expect(hangups).toHaveLength(1);
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.ctx().outcome).toBe("completed");
    expect(flowPath(h.ctx().flow!).map((v) => v.node)).toEqual(["greeting", "goodbye"]);
  });

  test("an emergency keyword in the caller's words takes the emergency function: its instruction first, then the model in that node", async () => {
    const h = await greeted();
    await h.say("My husband has chest pain");
    expect(flowNode(h.ctx().flow!)).toBe("emergency");
    expect(toolNames(h)).toEqual(["take_message", "transfer_to_human", "report_emergency", "end_call"]);
    expect(tasks(h)).toEqual(['Current task (node "emergency"): Help with the emergency.']);
    await h.llmText("I can connect you to the on-call dentist.");
    await h.llmFinish("stop");
    await playEverything(h);
    expect(h.says().slice(1)).toEqual(["Call 911 now.", "I can connect you to the on-call dentist."]);
  });

  test("the node's timeout_s is the silence before a reprompt", async () => {
    const h = await greeted({}, { silenceRepromptMs: 20_000 });
    await h.advance(5_000);
    expect(h.notices("reprompt")).toHaveLength(1);
  });

  test("a transfer pre_action follows the reply once its speech is done", async () => {
    const flow = compileFlowOrThrow({
      initial_node: "start",
      nodes: {
        start: { task: "Help.", functions: [{ name: "to_desk", description: "Desk.", parameters: EMPTY, next_node: "desk" }] },
        desk: { final: true, pre_actions: [{ say: "Putting you through." }, { transfer: "1001" }] },
      },
      global_functions: [],
    });
    const h = startConversation({ input: { firstMessage: GREETING, tools: [], flow: { version: flow.version, flow: flow.flow } } });
    await h.answer();
    await playEverything(h);
    await h.say("The front desk please");
    await h.llmToolCall(call("t", "to_desk"));
    await h.llmFinish("tool_calls");
    expect(h.commands().some((c) => c.type === "transfer")).toBe(false);
    await playEverything(h);
    const transfers = h.commands().filter((c) => c.type === "transfer");
    expect(transfers.map((c) => (c as { to: string }).to)).toEqual(["1001"]);
  });
});

/**
 * A compiled flow, inspected: describeFlow (the states and transitions of the
 * compiled machine, as GET /v1/receptionists/:id/flow serves them) and
 * flowMermaid (a stateDiagram-v2 an owner can draw), for a template and for
 * node names Mermaid would misread.
 */
import { describe, expect, test } from "bun:test";
import { compiledTemplateFlow } from "../../machines/flows/index.ts";
import { compileFlowOrThrow } from "../../machines/receptionist/flow-compiler.ts";
import { describeFlow } from "../../machines/receptionist/flow-describe.ts";
import { flowMermaid } from "../../machines/receptionist/flow-mermaid.ts";

const medical = compiledTemplateFlow("medical-office")!;

describe("describeFlow", () => {
  const description = describeFlow(medical);

  test("the states, in the flow's order, with what each one does", () => {
    expect(description.version).toBe(medical.version);
    expect(description.initial).toBe("greeting");
    expect(description.states.map((s) => s.name)).toEqual(["greeting", "booking", "refill", "message", "emergency", "wrap_up", "goodbye"]);
    const greeting = description.states[0]!;
    expect(greeting.task).toStartWith("Find out what the caller needs");
    expect(greeting.timeout_s).toBe(8);
    expect(greeting.final).toBe(false);
    expect(greeting.functions.map((f) => [f.name, f.next_node])).toEqual([
      ["check_availability", "booking"],
      ["book_appointment", "wrap_up"],
      ["reschedule_appointment", "wrap_up"],
      ["cancel_appointment", "wrap_up"],
      ["take_message", "wrap_up"],
      ["prescription_refill", "refill"],
      ["leave_message", "message"],
    ]);
    const booking = description.states[1]!;
    expect(booking.functions.find((f) => f.name === "check_availability")?.next_node).toBeNull();
    expect(description.states.find((s) => s.name === "emergency")?.pre_actions).toEqual([{ say: expect.stringContaining("911") }]);
    expect(description.states.at(-1)).toEqual({
      name: "goodbye",
      task: null,
      final: true,
      functions: [],
      pre_actions: [{ say: "Thank you for calling Riverside Family Dental. Goodbye!" }, { hangup: true }],
      post_actions: [],
      timeout_s: null,
    });
    expect(description.global_functions.map((f) => [f.name, f.next_node])).toEqual([
      ["answer_faq", null],
      ["transfer_to_human", null],
      ["report_emergency", "emergency"],
      ["end_call", "goodbye"],
    ]);
  });

  test("the transitions: every function that changes the node, globals from every state that is not final", () => {
    const from = (state: string) => description.transitions.filter((t) => t.from === state).map((t) => `${t.function}→${t.to}${t.global ? " (global)" : ""}`);
    expect(from("greeting")).toEqual([
      "check_availability→booking",
      "book_appointment→wrap_up",
      "reschedule_appointment→wrap_up",
      "cancel_appointment→wrap_up",
      "take_message→wrap_up",
      "prescription_refill→refill",
      "leave_message→message",
      "report_emergency→emergency (global)",
      "end_call→goodbye (global)",
    ]);
    expect(from("booking")).toEqual(["book_appointment→wrap_up", "reschedule_appointment→wrap_up", "report_emergency→emergency (global)", "end_call→goodbye (global)"]);
    expect(from("goodbye")).toEqual([]);
    for (const t of description.transitions) expect(t.event).toBe(`function.${t.function}`);
    const states = new Set(description.states.map((s) => s.name));
    for (const t of description.transitions) expect(states.has(t.to)).toBe(true);
    // Staying functions are not transitions.
    expect(description.transitions.some((t) => t.function === "answer_faq" || t.function === "check_availability" && t.from === "booking")).toBe(false);
    const nonFinal = description.states.filter((s) => !s.final).length;
    const own = description.states.flatMap((s) => s.functions).filter((f) => f.next_node !== null).length;
    expect(description.transitions).toHaveLength(own + nonFinal * 2);
  });

  test("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });
});

/** The line forms flowMermaid writes; anything else is a malformed line. */
const ID = "[A-Za-z][A-Za-z0-9_]*";
const LINE_FORMS = [
  /^ {4}%% .+$/,
  new RegExp(`^ {4}state "[^"\\n]+" as ${ID}$`),
  new RegExp(`^ {4}\\[\\*\\] --> ${ID}$`),
  new RegExp(`^ {4}${ID} --> \\[\\*\\]$`),
  new RegExp(`^ {4}${ID} --> ${ID} : [A-Za-z0-9_, ]+$`),
  new RegExp(`^ {4}${ID} : [^:\\n]+$`),
  /^ {4}classDef [a-z]+ [a-z-]+: .+$/,
  new RegExp(`^ {4}class ${ID} [a-z]+$`),
];

function mermaidLines(text: string): string[] {
  expect(text.endsWith("\n")).toBe(true);
  const lines = text.slice(0, -1).split("\n");
  expect(lines[0]).toBe("stateDiagram-v2");
  for (const line of lines.slice(1)) {
    if (!LINE_FORMS.some((form) => form.test(line))) throw new Error(`malformed Mermaid line: ${JSON.stringify(line)}`);
  }
  return lines;
}

describe("flowMermaid", () => {
  test("a template: well-formed lines, the initial and final arrows, labelled transitions, globals drawn once", () => {
    const text = flowMermaid(medical);
    const lines = mermaidLines(text);
    expect(lines).toContain("    [*] --> greeting");
    expect(lines).toContain("    goodbye --> [*]");
    expect(lines).toContain("    greeting --> booking : check_availability");
    expect(lines).toContain("    greeting --> wrap_up : book_appointment, reschedule_appointment, cancel_appointment, take_message");
    expect(lines).toContain("    booking : offers check_availability");
    expect(lines).toContain("    greeting : timeout 8 s");
    expect(lines).toContain("    emergency : on entry say");
    expect(lines).toContain("    goodbye : on entry say, hangup");
    // Global functions: once, from the "any node" pseudo-state, never from each state.
    expect(lines).toContain('    state "any node" as any_node');
    expect(lines.filter((l) => l.includes("report_emergency"))).toEqual(["    any_node --> emergency : report_emergency"]);
    expect(lines).toContain("    any_node --> goodbye : end_call");
    expect(lines).toContain("    any_node : offers answer_faq, transfer_to_human");
    expect(lines).toContain("    class any_node global");
    // Every state is drawn.
    for (const state of describeFlow(medical).states) expect(lines.some((l) => new RegExp(`\\b${state.name}\\b`).test(l))).toBe(true);
  });

  test("node names with spaces, punctuation or a Mermaid keyword get ids and quoted labels", () => {
    const compiled = compileFlowOrThrow({
      initial_node: "Front desk (main)",
      nodes: {
        "Front desk (main)": { task: "Route the caller.", functions: [{ name: "billing", description: "Billing.", next_node: "Bills & payments" }, { name: "done", description: "Done.", next_node: "end" }] },
        "Bills & payments": { task: "Help with a bill.", functions: [{ name: "back", description: "Back.", next_node: "Front desk (main)" }] },
        end: { final: true, pre_actions: [{ say: "Bye." }] },
        node_1: { task: "A node whose name looks like a generated id.", functions: [{ name: "leave", description: "Leave.", next_node: "end" }] },
      },
      global_functions: [{ name: "side_door", description: "To node_1.", next_node: "node_1" }],
    });
    const text = flowMermaid(compiled);
    mermaidLines(text);
    expect(text).toBe(
      [
        "stateDiagram-v2",
        `    %% flow ${compiled.version}`,
        '    state "Front desk (main)" as node_1_2',
        '    state "Bills & payments" as node_2',
        '    state "end" as node_3',
        "    [*] --> node_1_2",
        "    node_3 : on entry say",
        "    node_1_2 --> node_2 : billing",
        "    node_1_2 --> node_3 : done",
        "    node_2 --> node_1_2 : back",
        "    node_1 --> node_3 : leave",
        "    node_3 --> [*]",
        '    state "any node" as any_node',
        "    any_node : global functions, offered in every node that is not final",
        "    any_node --> node_1 : side_door",
        "    classDef global stroke-dasharray: 5 5",
        "    class any_node global",
        "",
      ].join("\n"),
    );
  });

  test("a flow without global functions has no any-node", () => {
    const compiled = compileFlowOrThrow({
      initial_node: "a",
      nodes: { a: { task: "A.", functions: [{ name: "next", description: "Next.", next_node: "b" }] }, b: { final: true } },
    });
    expect(flowMermaid(compiled)).toBe(["stateDiagram-v2", `    %% flow ${compiled.version}`, "    [*] --> a", "    a --> b : next", "    b --> [*]", ""].join("\n"));
  });
});

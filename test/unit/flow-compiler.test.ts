/**
 * The flow compiler's checks: a sound flow compiles; each malformed flow is
 * refused with the error an owner can act on, at the path of the field to
 * fix ("nodes.<node>.<field>…").
 */
import { describe, expect, test } from "bun:test";
import { compileFlow, compileFlowOrThrow, FlowCompileError } from "../../machines/receptionist/flow-compiler.ts";
import type { FlowError } from "../../machines/receptionist/flow-schema.ts";

/** Loose shapes so a test can break any part of a flow. */
type Fn = { name: string; description?: string; parameters?: unknown; next_node?: string; [key: string]: unknown };
type Node = { task?: string; functions?: Fn[]; pre_actions?: unknown[]; post_actions?: unknown[]; timeout_s?: number; final?: boolean; [key: string]: unknown };
type LooseFlow = { initial_node: string; nodes: Record<string, Node>; global_functions: Fn[] };

/** A small sound flow: triage → booking → goodbye (final), end_call global. Each test breaks one thing. */
function sampleFlow(): LooseFlow {
  return {
    initial_node: "triage",
    nodes: {
      triage: {
        task: "Find out what the caller needs.",
        functions: [
          { name: "start_booking", description: "The caller wants an appointment.", next_node: "booking" },
          {
            name: "answer_faq",
            description: "Look up an answer.",
            parameters: { type: "object", properties: { question: { type: "string" } }, required: ["question"] },
          },
        ],
        pre_actions: [],
        timeout_s: 8,
      },
      booking: {
        task: "Book it.",
        functions: [
          {
            name: "check_availability",
            description: "Free slots on a day.",
            parameters: { type: "object", properties: { date: { type: "string", format: "date" } }, required: ["date"] },
          },
        ],
      },
      goodbye: { final: true, pre_actions: [{ say: "Goodbye!" }, { hangup: true }] },
    },
    global_functions: [{ name: "end_call", description: "End the call.", next_node: "goodbye" }],
  };
}

function errorsOf(flow: unknown): FlowError[] {
  const result = compileFlow(flow);
  if (result.ok) throw new Error("expected the flow to be refused");
  return result.errors;
}

function errorAt(flow: unknown, path: string): string {
  const errors = errorsOf(flow);
  const found = errors.find((e) => e.path === path);
  if (!found) throw new Error(`no error at ${path}; got ${JSON.stringify(errors)}`);
  return found.message;
}

describe("a sound flow", () => {
  test("compiles, with defaults filled in", () => {
    const result = compileFlow(sampleFlow());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { flow, version } = result.compiled;
    expect(version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(flow.nodes.booking!.pre_actions).toEqual([]);
    expect(flow.nodes.booking!.final).toBe(false);
    // A function without parameters takes an empty object.
    expect(flow.nodes.triage!.functions[0]!.parameters).toEqual({ type: "object", properties: {} });
    expect(Object.isFrozen(flow.nodes.triage)).toBe(true);
  });

  test("a node whose only way out is a transfer pre_action, and a function leading back to its own node, are fine", () => {
    const flow = sampleFlow();
    flow.nodes.booking!.functions = [{ name: "restart", description: "Start over.", next_node: "booking" }];
    flow.nodes.triage!.functions = [{ name: "emergency", description: "Emergency.", next_node: "handoff" }];
    flow.nodes.handoff = { task: "Stay with the caller.", pre_actions: [{ say: "Connecting you." }, { transfer: "user/1000" }] };
    flow.global_functions = [];
    flow.nodes.triage!.functions!.push({ name: "book", description: "Book.", next_node: "booking" });
    flow.nodes.booking!.functions!.push({ name: "done", description: "Done.", next_node: "goodbye" });
    expect(compileFlow(flow).ok).toBe(true);
  });
});

describe("the precise error for each malformed flow", () => {
  test("an unknown initial node", () => {
    const flow = sampleFlow();
    flow.initial_node = "welcome";
    expect(errorsOf(flow)).toEqual([{ path: "initial_node", message: '"welcome" is not a node of this flow (nodes: triage, booking, goodbye)' }]);
  });

  test("a next_node that is not a node", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.functions![0]!.next_node = "bookng";
    expect(errorAt(flow, "nodes.triage.functions.0.next_node")).toBe('"bookng" is not a node of this flow (nodes: triage, booking, goodbye)');
    // booking is now unreachable too: both are reported.
    expect(errorAt(flow, "nodes.booking")).toContain("cannot be reached");
  });

  test("a global function's unknown next_node", () => {
    const flow = sampleFlow();
    flow.global_functions[0]!.next_node = "bye";
    expect(errorAt(flow, "global_functions.0.next_node")).toContain('"bye" is not a node');
  });

  test("an unreachable node", () => {
    const flow = sampleFlow();
    flow.nodes.survey = { task: "Ask for a rating.", functions: [{ name: "rated", description: "Rated.", next_node: "goodbye" }] };
    expect(errorsOf(flow)).toEqual([{ path: "nodes.survey", message: 'cannot be reached from initial_node "triage": no function leads here' }]);
  });

  test("a node reached only through a global function is reachable", () => {
    const flow = sampleFlow();
    flow.nodes.survey = { task: "Ask for a rating.", functions: [{ name: "rated", description: "Rated.", next_node: "goodbye" }] };
    flow.global_functions.push({ name: "feedback", description: "The caller has feedback.", next_node: "survey" });
    expect(compileFlow(flow).ok).toBe(true);
  });

  test("a node with no way out", () => {
    const flow = sampleFlow();
    flow.global_functions = [];
    // booking only stays (check_availability), triage still leads on.
    flow.nodes.triage!.functions = [{ name: "start_booking", description: "Book.", next_node: "booking" }, { name: "bye", description: "Bye.", next_node: "goodbye" }];
    expect(errorsOf(flow)).toEqual([
      { path: "nodes.booking", message: "has no way out: no function leads to another node, no pre_action transfers or hangs up, and it is not final" },
    ]);
  });

  test("a function leading to its own node and post_actions are not a way out", () => {
    const flow = sampleFlow();
    flow.global_functions = [];
    flow.nodes.triage!.functions = [{ name: "start_booking", description: "Book.", next_node: "booking" }, { name: "bye", description: "Bye.", next_node: "goodbye" }];
    flow.nodes.booking!.functions = [{ name: "again", description: "Again.", next_node: "booking" }];
    flow.nodes.booking!.post_actions = [{ hangup: true }];
    expect(errorAt(flow, "nodes.booking")).toStartWith("has no way out");
  });

  test("a function's parameters that are not a valid JSON schema", () => {
    const flow = sampleFlow();
    const fn = flow.nodes.booking!.functions![0]!;
    fn.parameters = { type: "object", properties: { date: { type: "text" } }, required: ["date", "time"] };
    expect(errorsOf(flow)).toEqual([
      { path: "nodes.booking.functions.0.parameters.properties.date.type", message: "must be one of string, number, integer, boolean, array, object, null (or a list of them)" },
      { path: "nodes.booking.functions.0.parameters.required.1", message: '"time" is not one of the properties (date)' },
    ]);
  });

  test("parameters that are not an object schema", () => {
    const flow = sampleFlow();
    flow.nodes.booking!.functions![0]!.parameters = { type: "string" };
    expect(errorAt(flow, "nodes.booking.functions.0.parameters.type")).toBe('must be "object": a tool takes its arguments as one JSON object');
  });

  test("a misspelt keyword", () => {
    const flow = sampleFlow();
    flow.nodes.booking!.functions![0]!.parameters = { type: "object", propertes: {} };
    expect(errorAt(flow, "nodes.booking.functions.0.parameters.propertes")).toStartWith("is not allowed at the top of parameters");
  });

  test("a tool whose parameters lack what the tool relies on", () => {
    const flow = sampleFlow();
    flow.nodes.booking!.functions!.push({
      name: "book_appointment",
      description: "Book.",
      parameters: { type: "object", properties: { date: { type: "string" }, time: { type: "number" }, name: { type: "string" } }, required: ["date", "time"] },
      next_node: "goodbye",
    });
    const errors = errorsOf(flow).filter((e) => e.path.startsWith("nodes.booking.functions.1"));
    expect(errors).toEqual([
      { path: "nodes.booking.functions.1.parameters.properties.time.type", message: 'must be "string": the book_appointment tool reads "time" as a string' },
      { path: "nodes.booking.functions.1.parameters.required", message: 'must include "name": the book_appointment tool cannot work without it' },
      { path: "nodes.booking.functions.1.parameters.properties", message: 'must declare "phone" (string): the book_appointment tool relies on it' },
    ]);
  });

  test("a duplicate function in a node", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.functions!.push({ name: "start_booking", description: "Again.", next_node: "booking" });
    expect(errorsOf(flow)).toEqual([
      {
        path: "nodes.triage.functions.2.name",
        message: '"start_booking" is already function 0 of this list: a name must be unique so the model\'s call is unambiguous',
      },
    ]);
  });

  test("a node function that clashes with a global one", () => {
    const flow = sampleFlow();
    flow.nodes.booking!.functions!.push({ name: "end_call", description: "End.", next_node: "goodbye" });
    expect(errorsOf(flow)).toEqual([
      { path: "nodes.booking.functions.1.name", message: '"end_call" is a global function (global_functions.0): a node cannot define it again' },
    ]);
  });

  test("a duplicate global function", () => {
    const flow = sampleFlow();
    flow.global_functions.push({ name: "end_call", description: "End again.", next_node: "goodbye" });
    expect(errorAt(flow, "global_functions.1.name")).toContain('"end_call" is already function 0');
  });

  test("a bad dial string in a transfer action", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.pre_actions = [{ transfer: "sofia/gateway/carrier/+15551230000|user/1000" }];
    expect(errorAt(flow, "nodes.triage.pre_actions.0.transfer")).toStartWith("must be a number like +15551230000, or one endpoint");
  });

  test("a dial string that sets channel variables is refused", () => {
    const flow = sampleFlow();
    flow.nodes.booking!.post_actions = [{ transfer: "{api_hangup_hook=system}user/1000" }];
    expect(errorAt(flow, "nodes.booking.post_actions.0.transfer")).toStartWith("must be a number");
  });

  test("say text on two lines, an empty say, and an action with two keys", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.pre_actions = [{ say: "Hello\nthere" }, { say: "  " }, { say: "Hi", play: "/sounds/hi.wav" }, { beep: true }];
    const errors = errorsOf(flow);
    expect(errors).toContainEqual({ path: "nodes.triage.pre_actions.0.say", message: "must be a single line (no CR or LF)" });
    expect(errors).toContainEqual({ path: "nodes.triage.pre_actions.1.say", message: "must not be empty" });
    expect(errors).toContainEqual({ path: "nodes.triage.pre_actions.2", message: "must have exactly one of say, play, transfer, hangup" });
    expect(errors).toContainEqual({ path: "nodes.triage.pre_actions.3", message: 'Unrecognized key: "beep"' });
  });

  test("a play location FreeSWITCH would expand", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.pre_actions = [{ play: "${system(rm -rf /)}" }];
    expect(errorAt(flow, "nodes.triage.pre_actions.0.play")).toBe("must not contain ${ or a backslash");
  });

  test("an action after a hangup would never run", () => {
    const flow = sampleFlow();
    flow.nodes.goodbye!.pre_actions = [{ hangup: true }, { say: "Goodbye!" }];
    expect(errorsOf(flow)).toEqual([{ path: "nodes.goodbye.pre_actions.1", message: "comes after a hangup (nodes.goodbye.pre_actions.0): it would never run" }]);
  });

  test("a function that is not a tool needs a next_node", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.functions!.push({ name: "book_apointment", description: "Typo." });
    expect(errorAt(flow, "nodes.triage.functions.2.next_node")).toStartWith('is required: "book_apointment" is not one of the receptionist\'s tools');
  });

  test("end_call must lead to a final node", () => {
    const flow = sampleFlow();
    flow.global_functions[0]!.next_node = "triage";
    expect(errorAt(flow, "global_functions.0.next_node")).toBe('"triage" is not a final node: end_call must lead to one (or have no next_node, and the tool hangs up)');
  });

  test("a final node with functions, post_actions or a timeout; a node without a task", () => {
    const flow = sampleFlow();
    flow.nodes.goodbye = { final: true, functions: [{ name: "again", description: "Again.", next_node: "triage" }], post_actions: [{ say: "x" }], timeout_s: 5 };
    delete flow.nodes.booking!.task;
    const paths = errorsOf(flow).map((e) => e.path);
    expect(paths).toEqual(["nodes.booking.task", "nodes.goodbye.functions", "nodes.goodbye.post_actions", "nodes.goodbye.timeout_s"]);
  });

  test("a node name XState or Mermaid would misread", () => {
    const flow = sampleFlow();
    flow.nodes["booking.confirm"] = { task: "Confirm.", functions: [{ name: "ok", description: "Ok.", next_node: "goodbye" }] };
    flow.nodes.booking!.functions!.push({ name: "confirm", description: "Confirm.", next_node: "booking.confirm" });
    expect(errorAt(flow, "nodes.booking.confirm")).toContain("must be 1-64 letters, digits, spaces or _ ' & ( ) -");
  });

  test("unknown fields and wrong types are named", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.timeout = 8;
    flow.nodes.booking!.timeout_s = 0;
    const errors = errorsOf(flow);
    expect(errors).toContainEqual({ path: "nodes.triage", message: 'Unrecognized key: "timeout"' });
    expect(errors.find((e) => e.path === "nodes.booking.timeout_s")?.message).toContain(">=1");
  });

  test("every error of a flow is reported at once", () => {
    const flow = sampleFlow();
    flow.nodes.triage!.functions![0]!.next_node = "nowhere";
    flow.nodes.booking!.functions![0]!.parameters = { type: "object", properties: { date: {} } };
    flow.global_functions.push({ name: "end_call", description: "Dup.", next_node: "goodbye" });
    expect(errorsOf(flow).map((e) => e.path)).toEqual([
      "nodes.booking.functions.0.parameters.properties.date.type",
      "global_functions.1.name",
      "nodes.triage.functions.0.next_node",
      "nodes.booking",
    ]);
  });

  test("compileFlowOrThrow names every error", () => {
    const flow = sampleFlow();
    flow.initial_node = "nope";
    expect(() => compileFlowOrThrow(flow)).toThrow(FlowCompileError);
    expect(() => compileFlowOrThrow(flow)).toThrow('initial_node: "nope" is not a node of this flow');
  });

  test("not a flow at all", () => {
    expect(errorsOf("flow")).toEqual([{ path: "", message: "Invalid input: expected object, received string" }]);
    expect(errorAt({ initial_node: "a", nodes: {} }, "nodes")).toBe("must have at least one node");
  });
});

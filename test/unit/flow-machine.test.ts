/**
 * The compiled flow machine run with createActor and XState's SimulatedClock:
 * it moves node to node on function events, offers global functions in every
 * node that is not final, reports each step's actions in order, and raises
 * a node's timeout. flowOffer is what the conversation reads from it.
 */
import { describe, expect, test } from "bun:test";
import { assign, createActor, sendTo, setup, SimulatedClock } from "xstate";
import { compileFlowOrThrow } from "../../machines/receptionist/flow-compiler.ts";
import type { FlowContext, FlowEmitted, FlowSnapshot, FlowStep } from "../../machines/receptionist/flow-machine.ts";
import { flowOffer, flowTakes, latestStep, offeredTools } from "../../machines/receptionist/flow-offer.ts";

const dateParameters = { type: "object", properties: { date: { type: "string" } }, required: ["date"] };

const compiled = compileFlowOrThrow({
  initial_node: "triage",
  nodes: {
    triage: {
      task: "Find out what the caller needs.",
      functions: [
        { name: "start_booking", description: "The caller wants an appointment.", next_node: "booking" },
        { name: "start_over", description: "Start again.", next_node: "triage" },
      ],
      pre_actions: [{ say: "How can I help?" }],
      post_actions: [{ play: "/sounds/chime.wav" }],
      timeout_s: 8,
    },
    booking: {
      task: "Book the appointment.",
      functions: [
        { name: "check_availability", description: "Free slots.", parameters: dateParameters },
        { name: "booked", description: "The appointment is booked.", next_node: "goodbye" },
      ],
      pre_actions: [{ say: "Let's find you a time." }],
    },
    urgent: {
      task: "Stay with the caller if the transfer fails.",
      functions: [{ name: "calm", description: "The caller is fine.", next_node: "triage" }],
      pre_actions: [{ say: "Connecting you to the on-call dentist." }, { transfer: "sofia/gateway/carrier/+15550102099" }],
    },
    goodbye: { final: true, pre_actions: [{ say: "Goodbye!" }, { hangup: true }] },
  },
  global_functions: [
    { name: "answer_faq", description: "Look up an answer.", parameters: { type: "object", properties: { question: { type: "string" } }, required: ["question"] } },
    { name: "emergency", description: "The caller has an emergency.", next_node: "urgent" },
    { name: "end_call", description: "End the call.", next_node: "goodbye" },
  ],
});

function start() {
  const clock = new SimulatedClock();
  const actor = createActor(compiled.machine, { clock });
  const emitted: FlowEmitted[] = [];
  actor.on("*", (event) => emitted.push(event as FlowEmitted));
  actor.start();
  const send = (name: string, args?: Record<string, unknown>) => actor.send({ type: `function.${name}`, arguments: args });
  return { actor, clock, emitted, send, snapshot: () => actor.getSnapshot() };
}

describe("what the flow offers", () => {
  test("at the start: the initial node's task, its own functions, the global ones, its timeout; step 0 is its pre_actions", () => {
    const { snapshot, emitted } = start();
    const offer = flowOffer(snapshot());
    expect(offer).toMatchObject({ version: compiled.version, node: "triage", task: "Find out what the caller needs.", timeoutMs: 8000, final: false });
    expect(offer.tools.map((t) => t.name)).toEqual(["start_booking", "start_over"]);
    expect(offer.globalTools.map((t) => t.name)).toEqual(["answer_faq", "emergency", "end_call"]);
    expect(offeredTools(offer).map((t) => t.name)).toEqual(["start_booking", "start_over", "answer_faq", "emergency", "end_call"]);
    // Tools are in the language model's shape; a function without parameters takes an empty object.
    expect(offer.tools[0]).toEqual({ name: "start_booking", description: "The caller wants an appointment.", parameters: { type: "object", properties: {} } });
    const step0: FlowStep = { seq: 0, from: null, to: "triage", via: null, arguments: null, actions: [{ node: "triage", when: "pre", command: { type: "say", text: "How can I help?" } }] };
    expect(latestStep(snapshot())).toEqual(step0);
    expect(emitted).toEqual([{ type: "flow.step", step: step0 }]);
  });

  test("only the functions of the current node (and the global ones) are taken", () => {
    const { snapshot, send } = start();
    expect(flowTakes(snapshot(), "start_booking")).toBe(true);
    expect(flowTakes(snapshot(), "end_call")).toBe(true);
    expect(flowTakes(snapshot(), "check_availability")).toBe(false);
    const before = snapshot();
    send("check_availability", { date: "2026-03-12" });
    expect(snapshot().context).toEqual(before.context);
  });
});

describe("moving through the flow", () => {
  test("a function with a next_node: the node left's post_actions, then the next node's pre_actions, and the new offer", () => {
    const { snapshot, send, emitted } = start();
    send("start_booking", { service: "cleaning" });
    const step: FlowStep = {
      seq: 1,
      from: "triage",
      to: "booking",
      via: "start_booking",
      arguments: { service: "cleaning" },
      actions: [
        { node: "triage", when: "post", command: { type: "play", url: "/sounds/chime.wav" } },
        { node: "booking", when: "pre", command: { type: "say", text: "Let's find you a time." } },
      ],
    };
    expect(latestStep(snapshot())).toEqual(step);
    expect(emitted.at(-1)).toEqual({ type: "flow.step", step });
    const offer = flowOffer(snapshot());
    expect(offer.node).toBe("booking");
    expect(offer.task).toBe("Book the appointment.");
    expect(offer.tools.map((t) => t.name)).toEqual(["check_availability", "booked"]);
    expect(offer.tools[0]!.parameters).toEqual(dateParameters);
    expect(offer.timeoutMs).toBeNull();
  });

  test("a function without a next_node stays: a step with nothing to perform, no actions re-run", () => {
    const { snapshot, send } = start();
    send("start_booking");
    send("check_availability", { date: "2026-03-12" });
    expect(latestStep(snapshot())).toEqual({ seq: 2, from: "booking", to: "booking", via: "check_availability", arguments: { date: "2026-03-12" }, actions: [] });
    expect(snapshot().context.node).toBe("booking");
    expect(snapshot().context.path.map((v) => v.node)).toEqual(["triage", "booking"]);
  });

  test("a function leading to its own node re-enters it: post_actions, then pre_actions again", () => {
    const { snapshot, send } = start();
    send("start_over");
    expect(latestStep(snapshot()).actions.map((a) => `${a.when}:${a.command.type}`)).toEqual(["post:play", "pre:say"]);
    expect(snapshot().context.path).toEqual([
      { node: "triage", via: null },
      { node: "triage", via: "start_over" },
    ]);
  });

  test("global functions work from every node that is not final", () => {
    for (const node of ["triage", "booking", "urgent"]) {
      const snapshot = compiled.machine.resolveState({ value: node, context: { ...start().snapshot().context, node } });
      const actor = createActor(compiled.machine, { snapshot }).start();
      expect(flowTakes(actor.getSnapshot(), "answer_faq")).toBe(true);
      actor.send({ type: "function.answer_faq", arguments: { question: "parking?" } });
      expect(actor.getSnapshot().context.node).toBe(node);
      actor.send({ type: "function.end_call" });
      expect(actor.getSnapshot().context.step).toMatchObject({ from: node, to: "goodbye", via: "end_call" });
      expect(actor.getSnapshot().status).toBe("done");
    }
  });

  test("a node whose pre_actions transfer: the step carries the transfer's dial string, in order", () => {
    const { snapshot, send } = start();
    send("emergency");
    expect(latestStep(snapshot()).actions.map((a) => a.command)).toEqual([
      { type: "play", url: "/sounds/chime.wav" },
      { type: "say", text: "Connecting you to the on-call dentist." },
      { type: "transfer", to: "sofia/gateway/carrier/+15550102099" },
    ]);
  });

  test("a final node ends the flow: its pre_actions are the last step, nothing more is offered or taken", () => {
    const { actor, snapshot, send } = start();
    send("start_booking");
    send("booked");
    expect(snapshot().status).toBe("done");
    expect(latestStep(snapshot()).actions.map((a) => a.command)).toEqual([{ type: "say", text: "Goodbye!" }, { type: "hangup" }]);
    const offer = flowOffer(snapshot());
    expect(offer).toMatchObject({ node: "goodbye", task: null, final: true, tools: [], globalTools: [] });
    expect(flowTakes(snapshot(), "end_call")).toBe(false);
    expect(actor.getSnapshot().output?.path.map((v) => v.node)).toEqual(["triage", "booking", "goodbye"]);
  });
});

describe("the node timeout", () => {
  test("fires timeout_s after entering the node, once, until the conversation listens again", () => {
    const { clock, emitted, snapshot, actor } = start();
    clock.increment(7999);
    expect(emitted.filter((e) => e.type === "flow.timeout")).toEqual([]);
    clock.increment(1);
    expect(emitted.filter((e) => e.type === "flow.timeout")).toEqual([{ type: "flow.timeout", node: "triage", timeoutMs: 8000, count: 1 }]);
    expect(snapshot().context.timeouts).toBe(1);
    clock.increment(60_000);
    expect(snapshot().context.timeouts).toBe(1);
    actor.send({ type: "flow.listening" });
    clock.increment(8000);
    expect(snapshot().context.timeouts).toBe(2);
  });

  test("flow.busy pauses it and flow.listening starts it from zero", () => {
    const { clock, snapshot, actor } = start();
    clock.increment(5000);
    actor.send({ type: "flow.busy" });
    clock.increment(30_000);
    expect(snapshot().context.timeouts).toBe(0);
    actor.send({ type: "flow.listening" });
    clock.increment(7000);
    actor.send({ type: "flow.listening" });
    clock.increment(7000);
    expect(snapshot().context.timeouts).toBe(0);
    clock.increment(1000);
    expect(snapshot().context.timeouts).toBe(1);
  });

  test("leaving the node cancels it; a node without timeout_s has none", () => {
    const { clock, snapshot, send, actor } = start();
    clock.increment(4000);
    send("start_booking");
    actor.send({ type: "flow.listening" });
    clock.increment(120_000);
    expect(snapshot().context.timeouts).toBe(0);
  });

  test("re-entering the node restarts it", () => {
    const { clock, snapshot, send } = start();
    clock.increment(6000);
    send("start_over");
    clock.increment(6000);
    expect(snapshot().context.timeouts).toBe(0);
    clock.increment(2000);
    expect(snapshot().context.timeouts).toBe(1);
  });
});

describe("run beside a dialog, as the conversation will", () => {
  test("a parent invokes the flow, sends it functions, and performs each step once (onSnapshot; onDone for the final step)", () => {
    const performed: string[] = [];
    type ParentContext = { lastSeq: number };
    /** The conversation's side: perform a step's actions unless that step was performed already. */
    const perform = (context: ParentContext, step: FlowStep): ParentContext => {
      if (step.seq <= context.lastSeq) return context;
      for (const action of step.actions) performed.push(`${action.command.type}:${"text" in action.command ? action.command.text : ""}`);
      return { lastSeq: step.seq };
    };
    const parent = setup({
      types: { context: {} as ParentContext, events: {} as { type: "model.called"; name: string } },
      actors: { flow: compiled.machine },
    }).createMachine({
      context: { lastSeq: -1 },
      invoke: {
        id: "flow",
        src: "flow",
        onSnapshot: { actions: assign(({ context, event }) => perform(context, latestStep(event.snapshot as FlowSnapshot))) },
        // A final node's step arrives as the flow's output: the parent gets done, not a snapshot.
        onDone: { actions: assign(({ context, event }) => perform(context, (event.output as FlowContext).step)) },
      },
      on: {
        "model.called": { actions: sendTo("flow", ({ event }) => ({ type: `function.${event.name}` as const })) },
      },
    });
    const actor = createActor(parent).start();
    expect(performed).toEqual(["say:How can I help?"]);
    actor.send({ type: "model.called", name: "start_booking" });
    // A step with nothing to perform (a staying function) performs nothing.
    actor.send({ type: "model.called", name: "check_availability" });
    actor.send({ type: "model.called", name: "end_call" });
    expect(performed).toEqual(["say:How can I help?", "play:", "say:Let's find you a time.", "say:Goodbye!", "hangup:"]);
    expect(actor.getSnapshot().context.lastSeq).toBe(3);
  });
});

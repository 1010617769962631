/**
 * The shipped templates (machines/flows/): each is a complete receptionist
 * definition that parses and whose flow compiles; they offer the
 * receptionist's tools with the arguments the tools rely on; the medical and
 * after-hours templates always give the emergency instruction; and a caller
 * can be walked through each one.
 */
import { describe, expect, test } from "bun:test";
import { createActor } from "xstate";
import { compiledTemplateFlow, TEMPLATES, templateById } from "../../machines/flows/index.ts";
import { ReceptionistDefinitionSchema } from "../../machines/receptionist/definition.ts";
import { compileFlow, type CompiledFlow } from "../../machines/receptionist/flow-compiler.ts";
import { flowOffer, latestStep, offeredTools } from "../../machines/receptionist/flow-offer.ts";
import { isReceptionistTool, RECEPTIONIST_TOOL_NAMES, RECEPTIONIST_TOOLS } from "../../machines/receptionist/tools.ts";
import fixture from "../fixtures/receptionist-utterances.json";

function walk(compiled: CompiledFlow, functions: string[]) {
  const actor = createActor(compiled.machine).start();
  for (const name of functions) {
    const before = actor.getSnapshot().context.step.seq;
    actor.send({ type: `function.${name}` });
    if (actor.getSnapshot().context.step.seq !== before + 1) throw new Error(`${name} was not taken in node ${actor.getSnapshot().context.node}`);
  }
  return actor.getSnapshot();
}

const flowOf = (id: string) => compiledTemplateFlow(id)!;

describe("every template", () => {
  test("is listed with an id, a name and a description", () => {
    expect(TEMPLATES.map((t) => t.id)).toEqual(["medical-office", "general-business", "after-hours"]);
    for (const t of TEMPLATES) {
      expect(t.name.length).toBeGreaterThan(0);
      expect(t.description.length).toBeGreaterThan(20);
    }
    expect(templateById("general-business")?.definition.business.name).toBe("Brightline Solar");
    expect(templateById("nope")).toBeUndefined();
  });

  test("parses as a receptionist definition and its flow compiles", async () => {
    for (const t of TEMPLATES) {
      const json = await Bun.file(new URL(`../../machines/flows/${t.id}.json`, import.meta.url)).json();
      expect(ReceptionistDefinitionSchema.safeParse(json).success).toBe(true);
      const result = compileFlow(json.flow);
      expect(result.ok).toBe(true);
    }
  });

  test("is frozen: creating a receptionist from it copies, never changes it", () => {
    const t = templateById("medical-office")!;
    expect(Object.isFrozen(t.definition.flow.nodes.greeting)).toBe(true);
    expect(() => {
      (t.definition as { name: string }).name = "changed";
    }).toThrow();
  });

  test("offers the receptionist's tools by their names, with exactly the arguments each tool knows", () => {
    for (const t of TEMPLATES) {
      const functions = [...Object.values(t.definition.flow.nodes).flatMap((n) => n.functions), ...t.definition.flow.global_functions];
      for (const fn of functions.filter((f) => isReceptionistTool(f.name))) {
        const canonical = RECEPTIONIST_TOOLS[fn.name as keyof typeof RECEPTIONIST_TOOLS].parameters as { properties: object; required?: string[] };
        expect(Object.keys(fn.parameters.properties as object)).toEqual(Object.keys(canonical.properties));
        expect(fn.parameters.required).toEqual(canonical.required);
      }
      // Every other function only moves the conversation.
      for (const fn of functions.filter((f) => !isReceptionistTool(f.name))) expect(fn.next_node).toBeDefined();
      // Every template can end the call, and hand the caller to a person.
      expect(t.definition.flow.global_functions.map((f) => f.name)).toEqual(expect.arrayContaining(["end_call", "transfer_to_human", "answer_faq"]));
    }
  });

  test("ends in a goodbye node that says goodbye and hangs up", () => {
    for (const t of TEMPLATES) {
      const goodbye = t.definition.flow.nodes.goodbye!;
      expect(goodbye.final).toBe(true);
      expect(goodbye.pre_actions.at(-1)).toEqual({ hangup: true });
      expect(goodbye.pre_actions[0]!.say).toContain(t.definition.business.name);
    }
  });

  test("is compiled deterministically", () => {
    for (const t of TEMPLATES) expect(flowOf(t.id).version).toBe(flowOf(t.id).version);
    expect(new Set(TEMPLATES.map((t) => flowOf(t.id).version)).size).toBe(3);
  });

  test("offers, in each node the receptionist test set speaks in, every tool that context offers", () => {
    const templateOf: Record<string, string> = { medical: "medical-office", business: "general-business", after_hours: "after-hours" };
    const nodeOf = (context: string, task: string) => /node "([^"]+)"/.exec(task)?.[1] ?? context.split("/")[1]!;
    for (const [context, spec] of Object.entries(fixture.contexts)) {
      const compiled = flowOf(templateOf[spec.system]!);
      const node = nodeOf(context, spec.task);
      const snapshot = compiled.machine.resolveState({ value: node, context: { ...createActor(compiled.machine).getSnapshot().context, node } });
      const offered = offeredTools(flowOffer(snapshot)).map((t) => t.name);
      for (const tool of spec.tools.map((t) => t.function.name)) expect({ context, node, tool, offered: offered.includes(tool) }).toEqual({ context, node, tool, offered: true });
    }
  });
});

describe("medical office", () => {
  const t = templateById("medical-office")!;
  const compiled = flowOf("medical-office");

  test("books, reschedules, cancels, takes refill requests and messages", () => {
    const offered = (node: string) => t.definition.flow.nodes[node]!.functions.map((f) => f.name);
    expect(offered("greeting")).toEqual(expect.arrayContaining(["check_availability", "book_appointment", "reschedule_appointment", "cancel_appointment", "take_message", "prescription_refill"]));
    expect(offered("refill")).toEqual(["take_message"]);
    expect(t.definition.flow.nodes.refill!.task).toContain("medication");
    expect(t.definition.booking?.max_per_slot).toBe(1);
  });

  test("a booking: greeting → booking (checking availability) → wrap_up → goodbye", () => {
    const snapshot = walk(compiled, ["check_availability", "check_availability", "book_appointment", "end_call"]);
    expect(snapshot.context.path.map((v) => v.node)).toEqual(["greeting", "booking", "wrap_up", "goodbye"]);
    expect(snapshot.status).toBe("done");
  });

  test("a refill request, then something else, then a cancellation", () => {
    const snapshot = walk(compiled, ["prescription_refill", "take_message", "something_else", "cancel_appointment"]);
    expect(snapshot.context.path.map((v) => v.node)).toEqual(["greeting", "refill", "wrap_up", "greeting", "wrap_up"]);
  });

  test("an emergency, from any node, always gives the emergency instruction first", () => {
    const instruction = t.definition.safety.emergency!.instruction;
    expect(instruction).toContain("911");
    expect(t.definition.safety.emergency!.function).toBe("report_emergency");
    for (const node of Object.keys(t.definition.flow.nodes).filter((n) => !t.definition.flow.nodes[n]!.final)) {
      const snapshot = compiled.machine.resolveState({ value: node, context: { ...createActor(compiled.machine).getSnapshot().context, node } });
      const actor = createActor(compiled.machine, { snapshot }).start();
      actor.send({ type: "function.report_emergency" });
      const step = latestStep(actor.getSnapshot());
      expect(step.to).toBe("emergency");
      expect(step.actions.filter((a) => a.when === "pre").map((a) => a.command)[0]).toEqual({ type: "say", text: instruction });
    }
    // There, the model transfers to the on-call dentist (or takes an urgent message).
    const offer = flowOffer(walk(compiled, ["report_emergency"]));
    expect(offer.task).toContain("transfer_to_human (target on_call)");
    const transfer = offer.globalTools.find((tool) => tool.name === "transfer_to_human")!;
    expect((transfer.parameters.properties as Record<string, { enum?: string[] }>).target!.enum).toEqual(["front_desk", "billing", "on_call"]);
    expect(t.definition.transfer_targets.find((x) => x.name === "on_call")?.hours).toBeUndefined();
  });
});

describe("general business", () => {
  const t = templateById("general-business")!;

  test("answers from the FAQ, routes by department, takes messages; nothing to book", () => {
    expect(t.definition.faq.length).toBeGreaterThan(0);
    expect(t.definition.booking).toBeUndefined();
    const transfer = t.definition.flow.global_functions.find((f) => f.name === "transfer_to_human")!;
    expect((transfer.parameters.properties as Record<string, { enum?: string[] }>).target!.enum).toEqual(["sales", "support", "billing", "front_desk"]);
    expect(t.definition.transfer_targets.map((x) => x.name)).toEqual(["sales", "support", "billing", "front_desk"]);
    const snapshot = walk(flowOf("general-business"), ["answer_faq", "transfer_to_human", "leave_message", "take_message", "end_call"]);
    expect(snapshot.context.path.map((v) => v.node)).toEqual(["greeting", "message", "wrap_up", "goodbye"]);
  });
});

describe("after hours", () => {
  const t = templateById("after-hours")!;
  const compiled = flowOf("after-hours");

  test("says the office is closed, takes messages with their urgency", () => {
    expect(t.definition.greeting).toContain("closed");
    expect(t.definition.messages.required_fields).toContain("urgency");
    const snapshot = walk(compiled, ["answer_faq", "take_message", "end_call"]);
    expect(snapshot.context.path.map((v) => v.node)).toEqual(["after_hours", "wrap_up", "goodbye"]);
  });

  test("an urgent matter gives the emergency instruction, then the model connects the on-call provider", () => {
    const snapshot = walk(compiled, ["urgent_matter"]);
    expect(latestStep(snapshot).actions.map((a) => a.command)).toEqual([{ type: "say", text: t.definition.safety.emergency!.instruction }]);
    expect(flowOffer(snapshot).task).toContain("on_call");
    expect(t.definition.transfer_targets.map((x) => x.name)).toEqual(["on_call"]);
  });
});

test("the receptionist's tool names are the ones the runtime implements", () => {
  expect(RECEPTIONIST_TOOL_NAMES).toEqual([
    "check_availability",
    "book_appointment",
    "cancel_appointment",
    "reschedule_appointment",
    "take_message",
    "answer_faq",
    "transfer_to_human",
    "end_call",
  ]);
});

/**
 * A flow keeps its version. Compiling is deterministic (same JSON, same
 * version, same machine); any change to the flow is a new version; and a
 * conversation that stored the flow it started with resumes its persisted
 * flow snapshot in that flow, while new conversations run the edited one.
 */
import { describe, expect, test } from "bun:test";
import { createActor } from "xstate";
import { compileFlowOrThrow, resumableIn, snapshotFlowVersion } from "../../machines/receptionist/flow-compiler.ts";
import { describeFlow } from "../../machines/receptionist/flow-describe.ts";
import { flowMermaid } from "../../machines/receptionist/flow-mermaid.ts";
import { flowOffer, latestStep } from "../../machines/receptionist/flow-offer.ts";
import { canonicalJson, flowVersion } from "../../machines/receptionist/flow-version.ts";

function flowJson(bookingTask = "Book the appointment.") {
  return {
    initial_node: "triage",
    nodes: {
      triage: { task: "Find out what the caller needs.", functions: [{ name: "start_booking", description: "Book.", next_node: "booking" }], timeout_s: 8 },
      booking: { task: bookingTask, functions: [{ name: "booked", description: "Booked.", next_node: "goodbye" }] },
      goodbye: { final: true, pre_actions: [{ say: "Goodbye!" }, { hangup: true }] },
    },
    global_functions: [{ name: "end_call", description: "End the call.", next_node: "goodbye" }],
  };
}

describe("deterministic compiling", () => {
  test("the same JSON gives the same version, description and diagram", () => {
    const a = compileFlowOrThrow(flowJson());
    const b = compileFlowOrThrow(JSON.parse(JSON.stringify(flowJson())));
    expect(a.version).toBe(b.version);
    expect(describeFlow(a)).toEqual(describeFlow(b));
    expect(flowMermaid(a)).toBe(flowMermaid(b));
    expect(createActor(a.machine).getSnapshot().context).toEqual(createActor(b.machine).getSnapshot().context);
  });

  test("key order is not a change; defaults written out are not a change", () => {
    const json = flowJson();
    const reordered = { global_functions: json.global_functions, nodes: json.nodes, initial_node: json.initial_node };
    expect(compileFlowOrThrow(reordered).version).toBe(compileFlowOrThrow(json).version);
    const explicit = structuredClone(json) as ReturnType<typeof flowJson> & { nodes: { booking: Record<string, unknown> } };
    explicit.nodes.booking.pre_actions = [];
    explicit.nodes.booking.final = false;
    expect(compileFlowOrThrow(explicit).version).toBe(compileFlowOrThrow(json).version);
  });

  test("any change to the flow is a new version", () => {
    const base = compileFlowOrThrow(flowJson()).version;
    expect(compileFlowOrThrow(flowJson("Book it, one question at a time.")).version).not.toBe(base);
    const longer = flowJson();
    longer.nodes.triage.timeout_s = 10;
    expect(compileFlowOrThrow(longer).version).not.toBe(base);
  });

  test("canonical JSON sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(flowVersion({ x: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("a conversation keeps the flow it started with", () => {
  test("its persisted snapshot resumes in the flow it stored, not in the edited one", () => {
    // The conversation starts: it stores the compiled flow's version and JSON with its record.
    const started = compileFlowOrThrow(flowJson());
    const stored = JSON.parse(JSON.stringify({ version: started.version, flow: started.flow }));
    const actor = createActor(started.machine).start();
    actor.send({ type: "function.start_booking" });
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
    expect(snapshotFlowVersion(persisted)).toBe(started.version);

    // The owner edits the receptionist: new calls get a new version.
    const edited = compileFlowOrThrow(flowJson("Book it, one question at a time."));
    expect(edited.version).not.toBe(started.version);
    expect(resumableIn(edited, persisted)).toBe(false);

    // After a restart the conversation recompiles what it stored: the same version, and the snapshot resumes in it.
    const recompiled = compileFlowOrThrow(stored.flow);
    expect(recompiled.version).toBe(stored.version);
    expect(resumableIn(recompiled, persisted)).toBe(true);
    const resumed = createActor(recompiled.machine, { snapshot: persisted }).start();
    expect(flowOffer(resumed.getSnapshot())).toMatchObject({ node: "booking", task: "Book the appointment.", version: started.version });
    resumed.send({ type: "function.booked" });
    expect(latestStep(resumed.getSnapshot())).toMatchObject({ seq: 2, from: "booking", to: "goodbye" });
    expect(resumed.getSnapshot().status).toBe("done");

    // A new conversation runs the edited flow.
    const fresh = createActor(edited.machine).start();
    fresh.send({ type: "function.start_booking" });
    expect(flowOffer(fresh.getSnapshot()).task).toBe("Book it, one question at a time.");
  });

  test("a snapshot that is not a flow's has no version", () => {
    expect(snapshotFlowVersion({ status: "active", output: undefined, error: undefined } as never)).toBeNull();
  });
});

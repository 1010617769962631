/**
 * The warm transfer's legs (src/runtime/warm-transfer.ts) against a fake host:
 * call actors are stand-ins whose snapshots the test moves, the host records
 * the commands and journal rows. What it checks: the hold audio and the
 * agent's call as placed, answered once the summary was said, unanswered with
 * the agent's cause (hold broken), cancelled on abort (agent hung up), a place
 * refusal, and the caller never left parked when the bridge does not come.
 */
import { describe, expect, test } from "bun:test";
import type { CallSnapshot } from "../../machines/call.ts";
import type { PlaceCallRequest } from "../../src/runtime/call-runtime.ts";
import { agentReady, runWarmTransfer, watchBridge, type WarmTransferDeps } from "../../src/runtime/warm-transfer.ts";

type Ctx = Partial<CallSnapshot["context"]>;

class FakeCall {
  private listeners = new Set<(s: unknown) => void>();
  snapshot: { status: string; context: Ctx };
  constructor(context: Ctx) {
    this.snapshot = { status: "active", context: { answeredAt: null, scriptIndex: 0, script: [], activity: "none", pending: null, bridgedTo: null, error: null, hangupCause: null, from: "+13105550177", ...context } };
  }
  getSnapshot = () => this.snapshot;
  subscribe = (observer: ((s: unknown) => void) | { next: (s: unknown) => void }) => {
    const fn = typeof observer === "function" ? observer : observer.next;
    this.listeners.add(fn);
    return { unsubscribe: () => this.listeners.delete(fn) };
  };
  move(status: string, context: Ctx) {
    this.snapshot = { status, context: { ...this.snapshot.context, ...context } };
    for (const l of [...this.listeners]) l(this.snapshot);
  }
  get watchers() {
    return this.listeners.size;
  }
}

function fakeHost() {
  const calls = new Map<string, FakeCall>();
  const commands: Array<{ id: string; type: string; [k: string]: unknown }> = [];
  const journal: Array<{ id: string; name: string; data: unknown }> = [];
  const placed: PlaceCallRequest[] = [];
  let refusePlace: string | null = null;
  const host = {
    get: (id: string) => {
      const call = calls.get(id);
      return call ? ({ id, actor: call } as never) : undefined;
    },
    command: (id: string, command: { type: string }) => {
      commands.push({ id, ...command });
      return calls.has(id) ? ({ outcome: "accepted" } as never) : ({ outcome: "not_found" } as never);
    },
    journal: (id: string, _kind: string, name: string, data: unknown) => void journal.push({ id, name, data }),
  };
  const deps: WarmTransferDeps = {
    host,
    holdAudio: "tone_stream://%(2000,4000,440,480);loops=-1",
    place: (request) => {
      if (refusePlace) throw new Error(refusePlace);
      placed.push(request);
      calls.set(request.callId, new FakeCall({ script: request.script as never, from: request.from }));
    },
  };
  calls.set("caller", new FakeCall({ answeredAt: 1, activity: "idle" }));
  return { deps, calls, commands, journal, placed, refuse: (why: string) => (refusePlace = why) };
}

const INPUT = { conversationId: "conv", callId: "caller", to: "sofia/gateway/carrier/+15550102001", summary: "Jane Doe, new patient", ringTimeoutS: 20 };
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("the warm transfer's legs", () => {
  test("hold audio on the caller, the agent's call placed with the ring timeout, the caller's number and the caller as parent; answered once the summary was said", async () => {
    const f = fakeHost();
    const result = runWarmTransfer(f.deps, INPUT, new AbortController().signal);
    expect(f.commands[0]).toMatchObject({ id: "caller", type: "play", url: f.deps.holdAudio });
    expect(f.placed[0]).toMatchObject({
      to: INPUT.to,
      dialString: INPUT.to,
      from: "+13105550177",
      timeoutSec: 20,
      parentId: "caller",
      script: [{ type: "say", text: "Transferring a caller: Jane Doe, new patient" }],
      dryRun: false,
    });
    const agent = f.calls.get(f.placed[0]!.callId)!;
    agent.move("active", { answeredAt: 5, activity: "speaking", scriptIndex: 1, pending: { application: "speak" } as never });
    await tick();
    agent.move("active", { activity: "idle", pending: null });
    expect(await result).toEqual({ outcome: "answered", agentCallId: f.placed[0]!.callId });
    expect(f.commands.some((c) => c.type === "break" || c.type === "hangup")).toBe(false);
    expect(f.journal.map((j) => j.name)).toEqual(["WARM_TRANSFER_RINGING", "WARM_TRANSFER_ANSWERED"]);
    // The conversation's bridge_call joins them: the bridge watch ends quietly.
    f.calls.get("caller")!.move("active", { bridgedTo: f.placed[0]!.callId });
    expect(f.calls.get("caller")!.watchers).toBe(0);
  });

  test("the agent's call ends unanswered: its cause, the hold audio broken", async () => {
    const f = fakeHost();
    const result = runWarmTransfer(f.deps, INPUT, new AbortController().signal);
    f.calls.get(f.placed[0]!.callId)!.move("done", { hangupCause: "NO_ANSWER" });
    expect(await result).toEqual({ outcome: "unanswered", reason: "NO_ANSWER" });
    expect(f.commands.filter((c) => c.id === "caller").map((c) => c.type)).toEqual(["play", "break"]);
  });

  test("stopped while ringing (the caller hung up): the agent's call is hung up, nothing else happens", async () => {
    const f = fakeHost();
    const abort = new AbortController();
    void runWarmTransfer(f.deps, INPUT, abort.signal);
    const agentId = f.placed[0]!.callId;
    abort.abort();
    expect(f.commands.at(-1)).toMatchObject({ id: agentId, type: "hangup" });
    expect(f.journal.at(-1)).toMatchObject({ name: "WARM_TRANSFER_CANCELLED" });
    expect(f.calls.get(agentId)!.watchers).toBe(0);
  });

  test("the agent's call cannot be placed: unanswered with why, the hold audio broken", async () => {
    const f = fakeHost();
    f.refuse("at most 1 concurrent outbound calls");
    const result = await runWarmTransfer(f.deps, INPUT, new AbortController().signal);
    expect(result).toEqual({ outcome: "unanswered", reason: "the agent's call could not be placed: at most 1 concurrent outbound calls" });
    expect(f.commands.map((c) => c.type)).toEqual(["play", "break"]);
  });

  test("agentReady: answered, its script said, idle with nothing pending", () => {
    const ready = { status: "active", context: { answeredAt: 1, scriptIndex: 1, script: [{}], activity: "idle", pending: null } } as unknown as CallSnapshot;
    expect(agentReady(ready)).toBe(true);
    expect(agentReady({ ...ready, context: { ...ready.context, answeredAt: null } } as CallSnapshot)).toBe(false);
    expect(agentReady({ ...ready, context: { ...ready.context, activity: "speaking" } } as CallSnapshot)).toBe(false);
  });

  test("after answered: bridged, nothing more; the agent gone first or uuid_bridge refused, the caller is hung up, not left in silence", () => {
    const bridged = fakeHost();
    bridged.calls.set("agent", new FakeCall({ answeredAt: 2 }));
    watchBridge(bridged.deps, "caller", "agent", "conv");
    bridged.calls.get("caller")!.move("active", { bridgedTo: "agent" });
    bridged.calls.get("agent")!.move("done", { hangupCause: "NORMAL_CLEARING" });
    expect(bridged.commands).toEqual([]);

    const gone = fakeHost();
    gone.calls.set("agent", new FakeCall({ answeredAt: 2 }));
    watchBridge(gone.deps, "caller", "agent", "conv");
    gone.calls.get("agent")!.move("done", { hangupCause: "NORMAL_CLEARING" });
    expect(gone.commands[0]).toMatchObject({ id: "caller", type: "hangup", reason: "NORMAL_TEMPORARY_FAILURE" });
    expect(gone.journal.at(-1)).toMatchObject({ name: "WARM_TRANSFER_BRIDGE_FAILED" });

    const refused = fakeHost();
    refused.calls.set("agent", new FakeCall({ answeredAt: 2 }));
    watchBridge(refused.deps, "caller", "agent", "conv");
    refused.calls.get("caller")!.move("active", { error: "uuid_bridge: -ERR Invalid uuid" });
    expect(refused.commands.map((c) => `${c.id}:${c.type}`)).toEqual(["caller:hangup", "agent:hangup"]);
  });
});

test("a caller ID the caller's signalling made unsafe for originate is not passed to the agent's leg, so the transfer still rings", async () => {
  const f = fakeHost();
  f.calls.set("caller", new FakeCall({ answeredAt: 1, activity: "idle", from: "${system(id)}" }));
  void runWarmTransfer(f.deps, INPUT, new AbortController().signal);
  expect(f.placed).toHaveLength(1);
  expect(f.placed[0]!.from).toBe("anonymous");
  expect(f.journal.map((j) => j.name)).toEqual(["WARM_TRANSFER_RINGING"]);
});

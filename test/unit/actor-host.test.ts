/**
 * The actor host with two kinds: real calls (call-kind.ts over a recording
 * switch link) and a small stand-in for the conversation kind, to show how a
 * child plugs in: its parent is its call, its commands go through the call's
 * state gate (the same as an HTTP command) and refusals come back to it as
 * events, it hears its call's events, and it is told when the call is gone.
 */
import { describe, expect, test } from "bun:test";
import { assign, emit, setup } from "xstate";
import type { CallInput, CallUserCommand } from "../../machines/call.ts";
import type { ChannelEvent, CommandOutcome, SwitchCommand } from "../../machines/switch/index.ts";
import type { JournalEntry } from "../../src/db/journal.ts";
import { ActorHost } from "../../src/runtime/actor-host.ts";
import type { ActorKind } from "../../src/runtime/actor-kind.ts";
import { createCallKind, type CallMeta } from "../../src/runtime/call-kind.ts";
import { createRuntimeMetrics } from "../../src/runtime/runtime-metrics.ts";
import { SwitchExecutor } from "../../src/runtime/switch-executor.ts";
import { SwitchRouter } from "../../src/runtime/switch-router.ts";
import type { SwitchLink } from "../../src/runtime/switch-link.ts";

const CALL_ID = "0c0ffee0-0000-4000-8000-000000000001";

/** A switch link that answers every command +OK and records it; events are pushed by the test. */
function recordingLink() {
  const sent: SwitchCommand[] = [];
  let onEvent: ((e: ChannelEvent) => void) | null = null;
  const link = {
    connected: true,
    coreUuid: "core-1",
    send: async (cmd: SwitchCommand): Promise<CommandOutcome> => {
      sent.push(cmd);
      return { ok: true, type: cmd.type, reply: "+OK" };
    },
    onEvent: (handler: (e: ChannelEvent) => void) => {
      onEvent = handler;
      return () => (onEvent = null);
    },
    showChannels: async () => [],
    trackChannel: () => {},
    hasChannel: async () => true,
    on: () => link,
    stats: () => ({ queueDepth: 0, droppedEvents: 0, skippedFrames: 0, unknownEvents: 0, reconnects: 0 }),
  };
  const channel = (kind: ChannelEvent["kind"], extra: Record<string, unknown> = {}) =>
    onEvent?.({
      kind,
      eventName: kind.toUpperCase(),
      sequence: 1,
      switchTimeMs: Date.now(),
      receivedAt: performance.now(),
      coreUuid: "core-1",
      uuid: CALL_ID,
      channelName: "loopback/1000",
      direction: "outbound",
      answerState: "answered",
      callState: "ACTIVE",
      channelState: "CS_EXECUTE",
      callerIdNumber: "15550001111",
      callerIdName: "",
      destinationNumber: "1000",
      variables: {},
      ...extra,
    } as ChannelEvent);
  return { link: link as unknown as SwitchLink, sent, channel };
}

// ─── a stand-in conversation: speaks once its call answers, records what it is told ───

type ChildEvent =
  | { type: "call.answered" }
  | { type: "speak"; id: string; text: string }
  | { type: "call.command_refused"; id: string; reason: string }
  | { type: "call.ended"; cause: string }
  | { type: "explode" };

const childMachine = setup({
  types: {
    context: {} as { callId: string; heard: string[] },
    input: {} as { callId: string },
    events: {} as ChildEvent,
    emitted: {} as { type: "call.command"; command: { type: "say"; id: string; text: string } },
  },
}).createMachine({
  context: ({ input }) => ({ callId: input.callId, heard: [] }),
  initial: "listening",
  states: {
    listening: {
      on: {
        "call.answered": { actions: assign({ heard: ({ context }) => [...context.heard, "answered"] }) },
        speak: { actions: emit(({ event }) => ({ type: "call.command" as const, command: { type: "say" as const, id: event.id, text: event.text } })) },
        "call.command_refused": { actions: assign({ heard: ({ context, event }) => [...context.heard, `refused ${event.id}: ${event.reason}`] }) },
        "call.ended": { target: "done", actions: assign({ heard: ({ context, event }) => [...context.heard, `ended ${event.cause}`] }) },
        explode: {
          actions: () => {
            throw new Error("boom");
          },
        },
      },
    },
    done: { type: "final" },
  },
});

const childKind: ActorKind<typeof childMachine, { id: string; callId: string }, null> = {
  name: "conversation",
  machine: childMachine,
  create: ({ id, callId }) => ({ id, input: { callId }, meta: null, parentId: callId }),
  state: (s) => ({ name: String(s.value), status: s.status }),
  summary: (s) => ({ heard: s.context.heard }),
  emitted: {
    // Through the call's gate, exactly as POST /v1/calls/:id/actions; a refusal comes back as an event.
    "call.command": (entry, { command }, host) => {
      const callCommand = { type: "say", text: command.text, applicationUuid: command.id, at: Date.now() } satisfies CallUserCommand;
      const result = host.command(entry.parentId!, callCommand, { from: entry.id });
      if (result.outcome === "refused") host.send(entry.id, { type: "call.command_refused", id: command.id, reason: result.reason });
    },
  },
  fromParent: (event) => (event.type === "channel.answer" ? { type: "call.answered" } : null),
  parentGone: (parent, snapshot) => ({
    type: "call.ended",
    cause: (snapshot as { context?: { hangupCause?: string } } | null)?.context?.hangupCause ?? "actor failed",
  }),
};

function harness() {
  const journal: Array<{ id: string } & JournalEntry> = [];
  const journalWriter = {
    append: (id: string, entry: JournalEntry) => {
      journal.push({ id, ...entry });
      return { accepted: true as const, seq: journal.length, overloaded: false };
    },
    forget: () => {},
    flush: async () => {},
    upsertCall: () => {},
  };
  const metrics = createRuntimeMetrics();
  const { link, sent, channel } = recordingLink();
  const host = new ActorHost({ journal: journalWriter, metrics });
  const router = new SwitchRouter(host, link, metrics);
  const executor = new SwitchExecutor(host, link, metrics, () => router.dispatchingSince);
  host.register(createCallKind({ executor, link, journal: journalWriter, metrics }));
  host.register(childKind);
  router.start();
  const input: CallInput = { callId: CALL_ID, direction: "outbound", from: "15550001111", to: "1000", dialString: "loopback/1000", createdAt: Date.now() };
  const meta: CallMeta = { direction: "outbound", statusCallback: null, dryRun: false };
  host.spawn("call", { input, meta });
  const child = host.spawn("conversation", { id: "conv-1", callId: CALL_ID });
  return { host, journal, sent, channel, child, metrics };
}

describe("one host, two kinds", () => {
  test("GET /v1/actors material: each actor with its kind, state, parent and children", () => {
    const { host } = harness();
    const call = host.inspect(CALL_ID)!;
    expect(call).toMatchObject({ id: CALL_ID, kind: "call", state: "initiating", status: "initiated", parent: null, children: ["conv-1"] });
    expect(host.inspect("conv-1")).toMatchObject({ id: "conv-1", kind: "conversation", state: "listening", parent: CALL_ID, children: [] });
    expect(host.inspectAll().map((a) => a.kind).sort()).toEqual(["call", "conversation"]);
    expect(host.count("call", "outbound")).toBe(1);
    expect(host.count("conversation")).toBe(1);
  });

  test("a child's command passes its call's state gate: refused while ringing (and told so), taken once answered", () => {
    const { host, journal, sent, channel } = harness();
    channel("channel.progress", { answerState: "ringing", callState: "RINGING" });
    host.send("conv-1", { type: "speak", id: "s1", text: "Hello" });
    expect(sent.some((c) => c.type === "speak")).toBe(false);
    expect(host.inspect("conv-1")!.context.heard).toEqual(["refused s1: cannot say text on a call that is ringing"]);
    expect(journal.find((j) => j.kind === "refusal")).toMatchObject({
      id: CALL_ID,
      name: "say",
      data: { reason: "cannot say text on a call that is ringing", state: "ringing", from: "conv-1" },
    });

    channel("channel.answer");
    expect((host.inspect("conv-1")!.context.heard as string[]).at(-1)).toBe("answered");
    host.send("conv-1", { type: "speak", id: "s2", text: "Hello again" });
    expect(sent.at(-1)).toEqual({ type: "speak", uuid: CALL_ID, engine: "flite", voice: "kal", text: "Hello again", applicationUuid: "s2" });
    expect(host.inspect(CALL_ID)!.state).toBe("in_progress.speaking");
  });

  test("when the call ends, the child is told and ends too; both leave the live set", () => {
    const { host, channel } = harness();
    channel("channel.answer");
    channel("channel.hangup_complete", {
      hangupCause: "NORMAL_CLEARING",
      q850: 16,
      durationSec: 3,
      billSec: 2,
      progressSec: 0,
      answerSec: 1,
      startEpoch: 0,
      answerEpoch: 0,
      endEpoch: 0,
    });
    expect(host.inspect(CALL_ID)).toBeNull();
    expect(host.inspect("conv-1")).toBeNull();
    expect(host.holds(CALL_ID)).toBe(true);
    const ended = host.recent("conv-1")!.snapshot as { context: { heard: string[] } };
    expect(ended.context.heard.at(-1)).toBe("ended NORMAL_CLEARING");
    expect(host.count()).toBe(0);
  });

  test("supervision: an actor that throws is journalled and leaves its parent's children; the call and the host carry on", () => {
    const { host, journal, channel, sent } = harness();
    host.send("conv-1", { type: "explode" });
    expect(host.get("conv-1")).toBeUndefined();
    expect(journal.some((j) => j.id === "conv-1" && j.kind === "error" && j.name === "ACTOR_FAILED")).toBe(true);
    expect(host.inspect(CALL_ID)!.children).toEqual([]);
    channel("channel.answer");
    expect(host.command(CALL_ID, { type: "play", url: "/s/x.wav", applicationUuid: "p1", at: Date.now() }).outcome).toBe("accepted");
    expect(sent.at(-1)?.type).toBe("playback");
  });
});

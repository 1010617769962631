/**
 * The call machine, run with createActor and XState's SimulatedClock: no I/O,
 * no wall clock. Each test drives a call with the events the runtime would
 * forward and checks the commands it emits and where the call ends.
 */
import { describe, expect, test } from "bun:test";
import { createActor, SimulatedClock } from "xstate";
import type { ChannelEvent, SwitchCommand } from "../../machines/switch/index.ts";
import {
  callMachine,
  callStateName,
  callStatus,
  refusal,
  HANGUP_COMPLETE_GRACE_MS,
  HANGUP_CONFIRM_MS,
  RING_GRACE_SEC,
  type CallChannelEvent,
  type CallEmitted,
  type CallEvent,
  type CallInput,
  type CallRefusedEmitted,
  type CallUserCommand,
} from "../../machines/call.ts";
import { GATHER_VARIABLE } from "../../machines/call-commands.ts";

const CALL_ID = "6f1c2d3e-0000-4000-8000-00000000c411";
const T0 = 1_760_000_000_000;

type Kind = ChannelEvent["kind"];

let sequence = 0;

/** A channel event as the runtime forwards it: `{ ...channelEvent, type: kind }`. */
function ch<K extends Kind>(kind: K, offsetMs: number, extra: Partial<Extract<ChannelEvent, { kind: K }>> = {}): CallChannelEvent {
  const direction = extra.direction ?? "outbound";
  const event = {
    eventName: kind.toUpperCase(),
    sequence: ++sequence,
    switchTimeMs: T0 + offsetMs,
    receivedAt: offsetMs,
    coreUuid: "core-1",
    uuid: CALL_ID,
    channelName: "sofia/gateway/carrier/15551230000",
    direction,
    answerState: "ringing",
    callState: "RINGING",
    channelState: "CS_EXECUTE",
    callerIdNumber: "15550001111",
    callerIdName: "Switchboard",
    destinationNumber: "15551230000",
    variables: {},
    ...extra,
    kind,
    type: kind,
    at: T0 + offsetMs,
  };
  return event as unknown as CallChannelEvent;
}
const hangupEv = (offsetMs: number, hangupCause: string, q850: number, direction: "inbound" | "outbound" = "outbound") =>
  ch("channel.hangup", offsetMs, { hangupCause, q850, direction });

const hangupComplete = (
  offsetMs: number,
  hangupCause: string,
  q850: number,
  cdr: { durationSec: number; billSec: number; progressSec: number; answerSec: number; answered: boolean },
  direction: "inbound" | "outbound" = "outbound",
) =>
  ch("channel.hangup_complete", offsetMs, {
    direction,
    hangupCause,
    q850,
    durationSec: cdr.durationSec,
    billSec: cdr.billSec,
    progressSec: cdr.progressSec,
    answerSec: cdr.answerSec,
    startEpoch: Math.floor(T0 / 1000),
    answerEpoch: cdr.answered ? Math.floor(T0 / 1000) + cdr.answerSec : 0,
    endEpoch: Math.floor(T0 / 1000) + cdr.durationSec,
  });

const executeComplete = (offsetMs: number, application: string, applicationUuid: string, variables: Record<string, string> = {}, applicationResponse = "_none_") =>
  ch("channel.execute_complete", offsetMs, { application, applicationData: "", applicationResponse, applicationUuid, variables });

function outboundInput(overrides: Partial<CallInput> = {}): CallInput {
  return {
    callId: CALL_ID,
    direction: "outbound",
    from: "15550001111",
    to: "15551230000",
    dialString: "sofia/gateway/carrier/15551230000",
    createdAt: T0,
    ...overrides,
  };
}

function inboundInput(overrides: Partial<CallInput> = {}): CallInput {
  return {
    callId: CALL_ID,
    direction: "inbound",
    from: "15559998888",
    to: "1000",
    createdAt: T0,
    ...overrides,
  };
}

function startCall(input: CallInput) {
  const clock = new SimulatedClock();
  clock.set(T0);
  const actor = createActor(callMachine, { input, clock });
  const emitted: CallEmitted[] = [];
  actor.on("*", (e) => emitted.push(e));
  actor.start();
  const commands = (): SwitchCommand[] =>
    emitted.flatMap((e) => (e.type === "command" ? [e.command] : []));
  const refusals = (): CallRefusedEmitted[] => emitted.flatMap((e) => (e.type === "refused" ? [e] : []));
  const send = (...events: CallEvent[]) => {
    for (const e of events) actor.send(e);
  };
  const state = () => callStateName(actor.getSnapshot());
  const ctx = () => actor.getSnapshot().context;
  return { actor, clock, emitted, commands, refusals, send, state, ctx };
}

type Call = ReturnType<typeof startCall>;

/** Outbound call driven to answered (in_progress.idle). */
function answeredOutbound(overrides: Partial<CallInput> = {}): Call {
  const call = startCall(outboundInput(overrides));
  call.send(
    { type: "originate.sent", at: T0 + 5 },
    ch("channel.create", 20),
    ch("channel.progress", 300),
    ch("channel.answer", 4_000, { answerState: "answered", callState: "ACTIVE" }),
  );
  return call;
}

function answeredInbound(): Call {
  const call = startCall(inboundInput());
  call.send({ type: "answer", at: T0 + 100, applicationUuid: "app-answer" });
  call.send(ch("channel.answer", 200, { direction: "inbound", answerState: "answered" }));
  return call;
}

const ORIGINATE: SwitchCommand = {
  type: "originate",
  uuid: CALL_ID,
  dialString: "sofia/gateway/carrier/15551230000",
  callerIdNumber: "15550001111",
  timeoutSec: 60,
};

describe("outbound outcomes", () => {
  test("answered then the callee hangs up: completed, by callee, with billing from CHANNEL_HANGUP_COMPLETE", () => {
    const call = startCall(outboundInput());
    expect(call.state()).toBe("queued");
    expect(callStatus(call.actor.getSnapshot())).toBe("queued");
    expect(call.commands()).toEqual([ORIGINATE]);

    call.send({ type: "originate.sent", at: T0 + 5 });
    expect(call.state()).toBe("initiating");
    expect(callStatus(call.actor.getSnapshot())).toBe("initiated");

    call.send(ch("channel.create", 20), ch("channel.progress", 300));
    expect(call.state()).toBe("ringing");
    expect(callStatus(call.actor.getSnapshot())).toBe("ringing");

    call.send(ch("channel.answer", 4_000, { answerState: "answered" }));
    expect(call.state()).toBe("in_progress.idle");
    expect(callStatus(call.actor.getSnapshot())).toBe("in-progress");
    expect(call.ctx().answeredAt).toBe(T0 + 4_000);

    call.send(hangupEv(64_000, "NORMAL_CLEARING", 16));
    expect(call.state()).toBe("ending");
    expect(callStatus(call.actor.getSnapshot())).toBe("in-progress");

    call.send(hangupComplete(64_050, "NORMAL_CLEARING", 16, { durationSec: 64, billSec: 60, progressSec: 0, answerSec: 4, answered: true }));
    const snap = call.actor.getSnapshot();
    expect(snap.status).toBe("done");
    expect(call.state()).toBe("ended");
    expect(snap.context.status).toBe("completed");
    expect(callStatus(snap)).toBe("completed");
    expect(snap.context.hangupBy).toBe("callee");
    expect(snap.context.hangupCause).toBe("NORMAL_CLEARING");
    expect(snap.context.q850).toBe(16);
    expect(snap.context.talkSec).toBe(60);
    expect(snap.context.ringSec).toBe(4);
    expect(snap.output?.status).toBe("completed");
    // Nothing but the originate was sent: the far end ended it.
    expect(call.commands()).toEqual([ORIGINATE]);
  });

  test("answered then hung up through the API: hangup NORMAL_CLEARING, completed, by api; talkSec from timestamps", () => {
    const call = answeredOutbound();
    call.send({ type: "hangup", at: T0 + 14_000 });
    expect(call.state()).toBe("hanging_up");
    expect(call.commands().at(-1)).toEqual({ type: "hangup", uuid: CALL_ID, cause: "NORMAL_CLEARING" });
    call.send(hangupEv(14_020, "NORMAL_CLEARING", 16));
    expect(call.state()).toBe("ending");
    // CHANNEL_HANGUP_COMPLETE never comes: the machine ends anyway after a short grace.
    call.clock.increment(HANGUP_COMPLETE_GRACE_MS);
    const ctx = call.ctx();
    expect(call.state()).toBe("ended");
    expect(ctx.status).toBe("completed");
    expect(ctx.hangupBy).toBe("api");
    expect(ctx.talkSec).toBe(10);
    expect(ctx.ringSec).toBe(4);
  });

  test("busy: -ERR USER_BUSY from the bgapi originate with no channel event", () => {
    const call = startCall(outboundInput({ dialString: "error/user_busy" }));
    call.send({ type: "originate.sent", at: T0 + 5 });
    call.send({ type: "originate.result", at: T0 + 30, ok: false, cause: "USER_BUSY" });
    const ctx = call.ctx();
    expect(call.state()).toBe("ended");
    expect(ctx.status).toBe("busy");
    expect(ctx.hangupCause).toBe("USER_BUSY");
    expect(ctx.q850).toBe(17);
    expect(ctx.hangupBy).toBe("switch");
    expect(ctx.talkSec).toBe(0);
  });

  test("gateway down: a bare CHANNEL_DESTROY, then -ERR GATEWAY_DOWN → failed with the gateway's cause", () => {
    // FreeSWITCH 1.10.12, sofia "Gateway 'carrier' is down!": no CHANNEL_CREATE, only CHANNEL_DESTROY, then the job.
    const call = startCall(outboundInput());
    call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.destroy", 10));
    expect(call.state()).toBe("ending");
    call.send({ type: "originate.result", at: T0 + 11, ok: false, cause: "GATEWAY_DOWN" });
    expect(call.state()).toBe("ended");
    expect(call.ctx().status).toBe("failed");
    expect(call.ctx().hangupCause).toBe("GATEWAY_DOWN");
    expect(call.ctx().hangupBy).toBe("switch");
  });

  test("busy: the far end answers 486 while ringing (CHANNEL_HANGUP USER_BUSY)", () => {
    const call = startCall(outboundInput());
    call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.create", 10), ch("channel.progress", 100));
    call.send(hangupEv(2_000, "USER_BUSY", 17));
    expect(call.state()).toBe("ending");
    // The bgapi result follows the channel events and must not disturb the ending.
    call.send({ type: "originate.result", at: T0 + 2_010, ok: false, cause: "USER_BUSY" });
    call.send(hangupComplete(2_020, "USER_BUSY", 17, { durationSec: 2, billSec: 0, progressSec: 0, answerSec: 0, answered: false }));
    expect(call.ctx().status).toBe("busy");
    expect(call.ctx().hangupBy).toBe("callee");
    expect(call.ctx().talkSec).toBe(0);
  });

  test("no-answer: FreeSWITCH's originate_timeout fires (NO_ANSWER)", () => {
    const call = startCall(outboundInput({ timeoutSec: 30 }));
    call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.progress", 100));
    call.send(hangupEv(30_100, "NO_ANSWER", 19));
    call.send(hangupComplete(30_110, "NO_ANSWER", 19, { durationSec: 30, billSec: 0, progressSec: 0, answerSec: 0, answered: false }));
    expect(call.ctx().status).toBe("no-answer");
    expect(call.ctx().hangupBy).toBe("callee");
    expect(call.ctx().ringSec).toBe(30);
    expect(call.commands()).toEqual([{ ...ORIGINATE, timeoutSec: 30 }]);
  });

  test("no-answer via the safety net: no channel event at all within timeoutSec + grace", () => {
    const call = startCall(outboundInput({ timeoutSec: 20 }));
    call.send({ type: "originate.sent", at: T0 });
    call.clock.increment((20 + RING_GRACE_SEC) * 1000 - 1);
    expect(call.state()).toBe("initiating");
    call.clock.increment(1);
    expect(call.state()).toBe("ended");
    expect(call.commands().at(-1)).toEqual({ type: "hangup", uuid: CALL_ID, cause: "NO_ANSWER" });
    expect(call.ctx().status).toBe("no-answer");
    expect(call.ctx().hangupBy).toBe("ring_timeout");
    expect(call.ctx().hangupCause).toBe("NO_ANSWER");
  });

  test("ring timeout while the channel rings: hangup NO_ANSWER, then the switch confirms", () => {
    const call = startCall(outboundInput({ timeoutSec: 20 }));
    call.send({ type: "originate.sent", at: T0 }, ch("channel.create", 10), ch("channel.progress", 50));
    call.clock.increment((20 + RING_GRACE_SEC) * 1000);
    expect(call.state()).toBe("hanging_up");
    expect(call.commands().at(-1)).toEqual({ type: "hangup", uuid: CALL_ID, cause: "NO_ANSWER" });
    call.send(hangupEv(30_020, "NO_ANSWER", 19));
    call.clock.increment(HANGUP_COMPLETE_GRACE_MS);
    expect(call.ctx().status).toBe("no-answer");
    expect(call.ctx().hangupBy).toBe("ring_timeout");
  });

  test("failed: -ERR NO_ROUTE_DESTINATION from an error/ endpoint, no channel events", () => {
    const call = startCall(outboundInput({ dialString: "error/no_route_destination" }));
    call.send({ type: "originate.sent", at: T0 + 5 }, { type: "originate.result", at: T0 + 8, ok: false, cause: "NO_ROUTE_DESTINATION" });
    expect(call.ctx().status).toBe("failed");
    expect(call.ctx().hangupCause).toBe("NO_ROUTE_DESTINATION");
    expect(call.ctx().q850).toBe(3);
  });

  test("failed: CHANNEL_HANGUP_COMPLETE alone (as a filtered capture shows) ends a dialing call", () => {
    const call = startCall(outboundInput());
    call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.create", 10));
    call.send(hangupComplete(40, "NO_ROUTE_DESTINATION", 3, { durationSec: 0, billSec: 0, progressSec: 0, answerSec: 0, answered: false }));
    expect(call.state()).toBe("ended");
    expect(call.ctx().status).toBe("failed");
  });

  test("rejected (CALL_REJECTED) and unallocated (UNALLOCATED_NUMBER) are failed", () => {
    for (const [cause, q850] of [
      ["CALL_REJECTED", 21],
      ["UNALLOCATED_NUMBER", 1],
    ] as const) {
      const call = startCall(outboundInput());
      call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.create", 10), ch("channel.progress", 100));
      call.send(hangupEv(900, cause, q850), hangupComplete(920, cause, q850, { durationSec: 1, billSec: 0, progressSec: 0, answerSec: 0, answered: false }));
      expect(call.ctx().status).toBe("failed");
      expect(call.ctx().hangupCause).toBe(cause);
      expect(call.ctx().q850).toBe(q850);
      expect(call.ctx().hangupBy).toBe("callee");
    }
  });

  test("failed: the runtime could not write the originate", () => {
    const call = startCall(outboundInput());
    call.send({ type: "command.failed", at: T0 + 1, command: "originate", error: "switch link down" });
    expect(call.state()).toBe("ended");
    expect(call.ctx().status).toBe("failed");
    expect(call.ctx().hangupBy).toBe("system");
    expect(call.ctx().error).toBe("originate: switch link down");
  });

  test("canceled while ringing: hangup ORIGINATOR_CANCEL, canceled, by api", () => {
    const call = startCall(outboundInput());
    call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.create", 10), ch("channel.progress", 100));
    call.send({ type: "hangup", at: T0 + 3_000 });
    expect(call.state()).toBe("hanging_up");
    expect(callStatus(call.actor.getSnapshot())).toBe("ringing");
    expect(call.commands().at(-1)).toEqual({ type: "hangup", uuid: CALL_ID, cause: "ORIGINATOR_CANCEL" });
    call.send(hangupEv(3_010, "ORIGINATOR_CANCEL", 16));
    call.send({ type: "originate.result", at: T0 + 3_015, ok: false, cause: "ORIGINATOR_CANCEL" });
    call.send(hangupComplete(3_020, "ORIGINATOR_CANCEL", 16, { durationSec: 3, billSec: 0, progressSec: 0, answerSec: 0, answered: false }));
    expect(call.ctx().status).toBe("canceled");
    expect(call.ctx().hangupBy).toBe("api");
  });

  test("canceled while queued: ends at once, nothing sent to the switch", () => {
    const call = startCall(outboundInput());
    call.send({ type: "hangup", at: T0 + 1, reason: "changed my mind" });
    expect(call.state()).toBe("ended");
    expect(call.ctx().status).toBe("canceled");
    expect(call.ctx().hangupReason).toBe("changed my mind");
    expect(call.commands()).toEqual([ORIGINATE]);
  });

  test("cancel racing the originate: the channel appears after our hangup, so we hang it up again", () => {
    const call = startCall(outboundInput());
    call.send({ type: "originate.sent", at: T0 + 5 }, { type: "hangup", at: T0 + 6 });
    expect(call.state()).toBe("hanging_up");
    call.send({ type: "command.failed", at: T0 + 7, command: "hangup", error: "-ERR No such channel!" });
    call.send(ch("channel.create", 30));
    expect(call.commands().filter((c) => c.type === "hangup")).toEqual([
      { type: "hangup", uuid: CALL_ID, cause: "ORIGINATOR_CANCEL" },
      { type: "hangup", uuid: CALL_ID, cause: "ORIGINATOR_CANCEL" },
    ]);
    call.send(hangupEv(40, "ORIGINATOR_CANCEL", 16));
    call.send(hangupComplete(41, "ORIGINATOR_CANCEL", 16, { durationSec: 0, billSec: 0, progressSec: 0, answerSec: 0, answered: false }));
    expect(call.ctx().status).toBe("canceled");
  });

  test("a hangup the switch never confirms ends after the confirm window", () => {
    const call = answeredOutbound();
    call.send({ type: "hangup", at: T0 + 5_000 });
    call.clock.increment(HANGUP_CONFIRM_MS);
    expect(call.state()).toBe("ended");
    expect(call.ctx().status).toBe("completed");
    expect(call.ctx().hangupCause).toBe("NORMAL_CLEARING");
  });

  test("API hangup with a cause name as reason uses it", () => {
    const call = answeredOutbound();
    call.send({ type: "hangup", at: T0 + 5_000, reason: "call_rejected" });
    expect(call.commands().at(-1)).toEqual({ type: "hangup", uuid: CALL_ID, cause: "CALL_REJECTED" });
  });

  test("early media then a late 180 does not regress; answer from early media", () => {
    const call = startCall(outboundInput());
    call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.progress_media", 200));
    expect(call.state()).toBe("early_media");
    expect(callStatus(call.actor.getSnapshot())).toBe("ringing");
    call.send(ch("channel.progress", 250));
    expect(call.state()).toBe("early_media");
    call.send(ch("channel.answer", 1_200));
    expect(call.state()).toBe("in_progress.idle");
  });

  test("dry run: never emits originate; synthetic events drive it", () => {
    const call = startCall(outboundInput({ dryRun: true }));
    expect(call.commands()).toEqual([]);
    call.send({ type: "originate.sent", at: T0 + 1 }, ch("channel.answer", 10), hangupEv(5_010, "NORMAL_CLEARING", 16));
    call.clock.increment(HANGUP_COMPLETE_GRACE_MS);
    expect(call.ctx().status).toBe("completed");
    expect(call.commands()).toEqual([]);
  });
});

describe("time limit and first action", () => {
  test("timeLimitSec after answer: hangup ALLOTTED_TIMEOUT, completed, by time_limit", () => {
    const call = answeredOutbound({ timeLimitSec: 30 });
    call.clock.increment(29_999);
    expect(call.state()).toBe("in_progress.idle");
    call.clock.increment(1);
    expect(call.state()).toBe("hanging_up");
    expect(call.commands().at(-1)).toEqual({ type: "hangup", uuid: CALL_ID, cause: "ALLOTTED_TIMEOUT" });
    call.send(hangupEv(34_010, "ALLOTTED_TIMEOUT", 16));
    call.send(hangupComplete(34_020, "ALLOTTED_TIMEOUT", 16, { durationSec: 34, billSec: 30, progressSec: 0, answerSec: 4, answered: true }));
    expect(call.ctx().status).toBe("completed");
    expect(call.ctx().hangupBy).toBe("time_limit");
  });

  test("the ring safety net does not fire once answered", () => {
    const call = answeredOutbound({ timeoutSec: 10 });
    call.clock.increment((10 + RING_GRACE_SEC) * 1000 + 1);
    expect(call.state()).toBe("in_progress.idle");
    expect(call.commands()).toEqual([{ ...ORIGINATE, timeoutSec: 10 }]);
  });

  test("outbound firstAction say runs on answer with the configured TTS", () => {
    const call = answeredOutbound({
      tts: { engine: "tts_commandline", voice: "alice" },
      firstAction: { type: "say", text: "Your code is 1 2 3", applicationUuid: "app-first" },
    });
    expect(call.state()).toBe("in_progress.speaking");
    expect(call.commands().at(-1)).toEqual({
      type: "speak",
      uuid: CALL_ID,
      engine: "tts_commandline",
      voice: "alice",
      text: "Your code is 1 2 3",
      applicationUuid: "app-first",
    });
    call.send(executeComplete(6_000, "speak", "app-first"));
    expect(call.state()).toBe("in_progress.idle");
  });
});

describe("inbound", () => {
  test("with a script: the machine answers, speaks the greeting, hangs up", () => {
    const call = startCall(
      inboundInput({ script: [{ type: "say", text: "Thanks for calling." }, { type: "hangup" }] }),
    );
    expect(call.state()).toBe("ringing");
    expect(callStatus(call.actor.getSnapshot())).toBe("ringing");
    expect(call.commands()).toEqual([{ type: "answer", uuid: CALL_ID, applicationUuid: `${CALL_ID}:answer` }]);

    call.send(ch("channel.answer", 50, { direction: "inbound", answerState: "answered" }));
    expect(call.state()).toBe("in_progress.speaking");
    expect(call.commands().at(-1)).toEqual({
      type: "speak",
      uuid: CALL_ID,
      engine: "flite",
      voice: "kal",
      text: "Thanks for calling.",
      applicationUuid: `${CALL_ID}:step:0`,
    });
    // The answer app's own EXECUTE_COMPLETE is not the greeting's.
    call.send(executeComplete(60, "answer", `${CALL_ID}:answer`));
    expect(call.state()).toBe("in_progress.speaking");

    call.send(executeComplete(3_050, "speak", `${CALL_ID}:step:0`));
    expect(call.state()).toBe("hanging_up");
    expect(call.commands().at(-1)).toEqual({ type: "hangup", uuid: CALL_ID, cause: "NORMAL_CLEARING" });

    call.send(hangupEv(3_060, "NORMAL_CLEARING", 16, "inbound"));
    call.send(hangupComplete(3_070, "NORMAL_CLEARING", 16, { durationSec: 3, billSec: 3, progressSec: 0, answerSec: 0, answered: true }, "inbound"));
    expect(call.ctx().status).toBe("completed");
    expect(call.ctx().hangupBy).toBe("api");
    expect(call.ctx().talkSec).toBe(3);
  });

  test("without a script: answered through the API; a second answer is refused", () => {
    const call = startCall(inboundInput());
    expect(call.commands()).toEqual([]);
    call.send({ type: "answer", at: T0 + 100, applicationUuid: "app-answer" });
    expect(call.commands()).toEqual([{ type: "answer", uuid: CALL_ID, applicationUuid: "app-answer" }]);
    const again: CallUserCommand = { type: "answer", at: T0 + 110, applicationUuid: "app-answer-2" };
    expect(refusal(call.actor.getSnapshot(), again)).toBe("cannot answer a call that is already being answered");
    call.send(again);
    expect(call.refusals().at(-1)?.reason).toBe("cannot answer a call that is already being answered");
    call.send(ch("channel.answer", 200, { direction: "inbound", answerState: "answered" }));
    expect(call.state()).toBe("in_progress.idle");
  });

  test("the caller gives up while ringing: canceled, by caller", () => {
    const call = startCall(inboundInput());
    call.send(hangupEv(8_000, "ORIGINATOR_CANCEL", 16, "inbound"));
    call.send(hangupComplete(8_010, "ORIGINATOR_CANCEL", 16, { durationSec: 8, billSec: 0, progressSec: 0, answerSec: 0, answered: false }, "inbound"));
    expect(call.ctx().status).toBe("canceled");
    expect(call.ctx().hangupBy).toBe("caller");
  });

  test("nobody answers an inbound call within timeoutSec + grace: hangup NO_ANSWER, no-answer", () => {
    const call = startCall(inboundInput({ timeoutSec: 15 }));
    call.clock.increment((15 + RING_GRACE_SEC) * 1000);
    expect(call.state()).toBe("hanging_up");
    expect(call.commands()).toEqual([{ type: "hangup", uuid: CALL_ID, cause: "NO_ANSWER" }]);
    call.send(hangupEv(25_010, "NO_ANSWER", 19, "inbound"), ch("channel.destroy", 25_020, { direction: "inbound" }));
    expect(call.ctx().status).toBe("no-answer");
    expect(call.ctx().hangupBy).toBe("ring_timeout");
  });

  test("rejected through the API while ringing: hangup CALL_REJECTED", () => {
    const call = startCall(inboundInput());
    call.send({ type: "hangup", at: T0 + 500 });
    expect(call.commands()).toEqual([{ type: "hangup", uuid: CALL_ID, cause: "CALL_REJECTED" }]);
    call.send(hangupEv(510, "CALL_REJECTED", 21, "inbound"));
    call.clock.increment(HANGUP_COMPLETE_GRACE_MS);
    expect(call.ctx().status).toBe("canceled");
    expect(call.ctx().hangupBy).toBe("api");
  });
});

describe("what an answered call does", () => {
  test("play → PLAYBACK_START/STOP → EXECUTE_COMPLETE → idle", () => {
    const call = answeredOutbound();
    call.send({ type: "play", at: T0 + 5_000, url: "/var/sounds/welcome.wav", applicationUuid: "app-play" });
    expect(call.state()).toBe("in_progress.playing");
    expect(call.commands().at(-1)).toEqual({
      type: "playback",
      uuid: CALL_ID,
      file: "/var/sounds/welcome.wav",
      applicationUuid: "app-play",
    });
    call.send(ch("playback.start", 5_010, { filePath: "/var/sounds/welcome.wav" }));
    expect(call.ctx().lastPlayback).toEqual({ filePath: "/var/sounds/welcome.wav", status: "playing" });
    call.send(ch("playback.stop", 8_000, { filePath: "/var/sounds/welcome.wav", status: "done" }));
    call.send(executeComplete(8_001, "playback", "app-play", {}, "FILE PLAYED"));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().lastPlayback).toEqual({ filePath: "/var/sounds/welcome.wav", status: "done" });
    expect(call.ctx().pending).toBeNull();
  });

  test("play with loop repeats the file through file_string://", () => {
    const call = answeredOutbound();
    call.send({ type: "play", at: T0 + 5_000, url: "/s/tone.wav", loop: 3, applicationUuid: "app-loop" });
    expect(call.commands().at(-1)).toEqual({
      type: "playback",
      uuid: CALL_ID,
      file: "file_string:///s/tone.wav!/s/tone.wav!/s/tone.wav",
      applicationUuid: "app-loop",
    });
  });

  test("say while playing interrupts: break, then speak; the interrupted playback's completion is ignored", () => {
    const call = answeredOutbound();
    call.send({ type: "play", at: T0 + 5_000, url: "/s/music.wav", applicationUuid: "app-music" });
    call.send({ type: "say", at: T0 + 6_000, text: "Hello", voice: "slt", applicationUuid: "app-hello" });
    expect(call.state()).toBe("in_progress.speaking");
    expect(call.commands().slice(-2)).toEqual([
      { type: "break", uuid: CALL_ID },
      { type: "speak", uuid: CALL_ID, engine: "flite", voice: "slt", text: "Hello", applicationUuid: "app-hello" },
    ]);
    call.send(ch("playback.stop", 6_010, { filePath: "/s/music.wav", status: "break" }));
    call.send(executeComplete(6_011, "playback", "app-music"));
    expect(call.state()).toBe("in_progress.speaking");
    call.send(executeComplete(7_000, "speak", "app-hello"));
    expect(call.state()).toBe("in_progress.idle");
  });

  test("a playback the runtime could not send returns the call to idle with the error", () => {
    const call = answeredOutbound();
    call.send({ type: "play", at: T0 + 5_000, url: "/s/x.wav", applicationUuid: "app-x" });
    call.send({ type: "command.failed", at: T0 + 5_001, command: "playback", error: "-ERR invalid session id" });
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().error).toBe("playback: -ERR invalid session id");
  });

  test("a playback the switch could not play (FILE NOT FOUND) puts the error on the call", () => {
    const call = answeredOutbound();
    call.send({ type: "play", at: T0 + 5_000, url: "ivr/ivr-welcome.wav", applicationUuid: "app-nf" });
    call.send({ ...executeComplete(5_002, "playback", "app-nf", {}, "FILE NOT FOUND"), applicationData: "ivr/ivr-welcome.wav" } as CallEvent);
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().error).toBe("play: FILE NOT FOUND (ivr/ivr-welcome.wav)");
  });

  test("a gather whose prompt could not be played (read_result unset) puts the error on the call", () => {
    const call = answeredOutbound();
    call.send({ type: "gather", at: T0 + 5_000, minDigits: 1, maxDigits: 1, timeoutMs: 3_000, terminators: "#", prompt: { say: "Press 1" }, applicationUuid: "app-gf" });
    // FreeSWITCH 1.10.12: the prompt fails to open, the invalid-input file still plays, read_result stays unset.
    call.send(ch("playback.start", 5_002, { filePath: "silence_stream://250" }));
    call.send(executeComplete(5_300, "play_and_get_digits", "app-gf", { read_terminator_used: "" }));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().error).toContain("gather: the prompt could not be played");
    expect(call.ctx().gather?.digits).toBe("");
  });

  test("a gather whose prompt played and timed out with no digits is not an error", () => {
    const call = answeredOutbound();
    call.send({ type: "gather", at: T0 + 5_000, minDigits: 1, maxDigits: 1, timeoutMs: 3_000, terminators: "#", prompt: { say: "Press 1" }, applicationUuid: "app-gt" });
    call.send(ch("playback.start", 5_010, { filePath: "tts://flite|kal|Press 1" }));
    call.send(ch("playback.stop", 6_000, { filePath: "tts://flite|kal|Press 1", status: "done" }));
    call.send(executeComplete(9_000, "play_and_get_digits", "app-gt", { read_result: "failure" }));
    expect(call.ctx().error).toBeNull();
  });

  test("gather with a spoken prompt: play_and_get_digits, digits from its variable", () => {
    const call = answeredOutbound();
    call.send({
      type: "gather",
      at: T0 + 5_000,
      minDigits: 1,
      maxDigits: 4,
      timeoutMs: 5_000,
      terminators: "#",
      prompt: { say: "Enter your PIN" },
      applicationUuid: "app-gather",
    });
    expect(call.state()).toBe("in_progress.collecting_digits");
    expect(call.commands().at(-1)).toEqual({
      type: "play_and_get_digits",
      uuid: CALL_ID,
      applicationUuid: "app-gather",
      minDigits: 1,
      maxDigits: 4,
      tries: 1,
      timeoutMs: 5_000,
      terminators: "#",
      file: "tts://flite|kal|Enter your PIN",
      invalidFile: "silence_stream://250",
      variableName: GATHER_VARIABLE,
      regexp: "^[0-9*#]+$",
      digitTimeoutMs: 5_000,
    });
    for (const [i, digit] of ["4", "2", "#"].entries()) {
      call.send(ch("channel.dtmf", 6_000 + i * 300, { digit, durationSamples: 800, source: "RTP" }));
    }
    call.send(executeComplete(7_000, "play_and_get_digits", "app-gather", { [GATHER_VARIABLE]: "42", read_terminator_used: "#", read_result: "success" }));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().gather).toEqual({ applicationUuid: "app-gather", buffer: "42#", digits: "42", terminator: "#" });
    expect(call.ctx().error).toBeNull();
    expect(call.emitted.filter((e) => e.type === "gathered")).toEqual([
      { type: "gathered", applicationUuid: "app-gather", digits: "42", terminator: "#" },
    ]);
    expect(call.ctx().dtmf.map((d) => d.digit).join("")).toBe("42#");
  });

  test("gather falls back to the DTMF it saw when the switch reports no variable", () => {
    const call = answeredOutbound();
    call.send({ type: "gather", at: T0 + 5_000, minDigits: 1, maxDigits: 2, timeoutMs: 3_000, terminators: "", prompt: { play: "/s/menu.wav" }, applicationUuid: "app-g2" });
    expect(call.commands().at(-1)).toMatchObject({ terminators: "none", file: "/s/menu.wav" });
    call.send(ch("channel.dtmf", 5_500, { digit: "7", durationSamples: 800, source: "RTP" }));
    call.send(ch("channel.dtmf", 5_700, { digit: "1", durationSamples: 800, source: "RTP" }));
    call.send(executeComplete(6_000, "play_and_get_digits", "app-g2"));
    expect(call.ctx().gather?.digits).toBe("71");
  });

  test("DTMF is logged at any time; send_dtmf emits the command and keeps the activity", () => {
    const call = answeredOutbound();
    call.send(ch("channel.dtmf", 4_500, { digit: "5", durationSamples: 800, source: "RTP" }));
    expect(call.ctx().dtmf).toEqual([{ digit: "5", at: T0 + 4_500 }]);
    call.send({ type: "play", at: T0 + 5_000, url: "/s/x.wav", applicationUuid: "app-x" });
    call.send({ type: "send_dtmf", at: T0 + 5_100, digits: "1234#" });
    expect(call.state()).toBe("in_progress.playing");
    expect(call.commands().at(-1)).toEqual({ type: "send_dtmf", uuid: CALL_ID, digits: "1234#" });
  });

  test("bridge → CHANNEL_BRIDGE → bridged; CHANNEL_UNBRIDGE → idle", () => {
    const call = answeredOutbound();
    call.send({ type: "bridge", at: T0 + 5_000, dialString: "user/1001", applicationUuid: "app-bridge" });
    expect(call.state()).toBe("in_progress.bridged");
    expect(call.commands().at(-1)).toEqual({ type: "bridge", uuid: CALL_ID, dialString: "user/1001", applicationUuid: "app-bridge" });
    call.send(ch("channel.bridge", 7_000, { otherUuid: "b-leg-uuid" }));
    expect(call.ctx().bridgedTo).toBe("b-leg-uuid");
    call.send(ch("channel.unbridge", 20_000, { otherUuid: "b-leg-uuid" }));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().bridgedTo).toBeNull();
    call.send(executeComplete(20_001, "bridge", "app-bridge"));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().error).toBeNull();
  });

  test("a bridge whose b-leg fails returns to idle with the disposition", () => {
    const call = answeredOutbound();
    call.send({ type: "bridge", at: T0 + 5_000, dialString: "user/1001", applicationUuid: "app-bridge" });
    call.send(executeComplete(9_000, "bridge", "app-bridge", { originate_disposition: "USER_BUSY" }));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().error).toBe("bridge: USER_BUSY");
  });

  test("bridge_call (a warm transfer's last step): the hold audio is broken, uuid_bridge to the other call; CHANNEL_BRIDGE → bridged", () => {
    const call = answeredOutbound();
    call.send({ type: "play", at: T0 + 5_000, url: "tone_stream://%(2000,4000,440,480);loops=-1", applicationUuid: "app-hold" });
    call.send({ type: "bridge_call", at: T0 + 8_000, otherCallId: "agent-call" });
    expect(call.commands().slice(-2)).toEqual([
      { type: "break", uuid: CALL_ID },
      { type: "uuid_bridge", uuid: CALL_ID, otherUuid: "agent-call" },
    ]);
    expect(call.state()).toBe("in_progress.idle");
    // The broken hold audio's completion is not ours to wait for any more.
    call.send(executeComplete(8_010, "playback", "app-hold"));
    call.send(ch("channel.bridge", 8_020, { otherUuid: "agent-call" }));
    expect(call.state()).toBe("in_progress.bridged");
    expect(call.ctx().bridgedTo).toBe("agent-call");
    call.send({ type: "bridge_call", at: T0 + 9_000, otherCallId: "someone-else" });
    expect(call.refusals().at(-1)).toMatchObject({ command: "bridge_call", reason: "cannot bridge a call that is bridged" });
  });

  test("bridge_call on a call that is not up is refused, and nothing is sent", () => {
    const call = startCall(outboundInput());
    const before = call.commands().length;
    call.send({ type: "bridge_call", at: T0 + 1_000, otherCallId: "agent-call" });
    expect(call.commands()).toHaveLength(before);
    expect(call.refusals().at(-1)).toMatchObject({ command: "bridge_call", reason: "cannot bridge a call that is queued" });
  });

  test("transfer → transferred; CHANNEL_PARK brings it back under control", () => {
    const call = answeredOutbound();
    call.send({ type: "transfer", at: T0 + 5_000, extension: "9999", context: "default" });
    expect(call.commands().at(-1)).toEqual({ type: "transfer", uuid: CALL_ID, extension: "9999", dialplan: "XML", context: "default" });
    expect(call.state()).toBe("in_progress.transferred");
    call.send(ch("channel.park", 6_000));
    expect(call.state()).toBe("in_progress.idle");
  });
});

describe("the switch link and resync", () => {
  test("link.down / link.up keep the call where it is", () => {
    const call = answeredOutbound();
    call.send({ type: "play", at: T0 + 5_000, url: "/s/x.wav", applicationUuid: "app-x" });
    call.send({ type: "link.down", at: T0 + 6_000 });
    expect(call.state()).toBe("in_progress.playing");
    expect(call.ctx().linkUp).toBe(false);
    call.send({ type: "link.up", at: T0 + 9_000 });
    expect(call.state()).toBe("in_progress.playing");
    expect(call.ctx().linkUp).toBe(true);
  });

  test("hanging up with the link down waits for resync, and asks again when the link is back", () => {
    const call = answeredOutbound();
    call.send({ type: "link.down", at: T0 + 4_500 });
    call.send({ type: "hangup", at: T0 + 5_000 });
    call.clock.increment(HANGUP_CONFIRM_MS * 3);
    expect(call.state()).toBe("hanging_up");
    call.send({ type: "link.up", at: T0 + 40_000 });
    expect(call.commands().filter((c) => c.type === "hangup")).toHaveLength(2);
    call.send(hangupEv(40_010, "NORMAL_CLEARING", 16));
    expect(call.state()).toBe("ending");
  });

  test("channel.vanished ends the call with the cause given, or NORMAL_CLEARING", () => {
    const a = answeredOutbound();
    a.send({ type: "link.down", at: T0 + 5_000 }, { type: "channel.vanished", at: T0 + 30_000 });
    expect(a.state()).toBe("ended");
    expect(a.ctx().status).toBe("completed");
    expect(a.ctx().hangupCause).toBe("NORMAL_CLEARING");
    expect(a.ctx().hangupBy).toBe("switch");

    const b = startCall(outboundInput());
    b.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.progress", 100));
    b.send({ type: "channel.vanished", at: T0 + 9_000, cause: "NO_ANSWER" });
    expect(b.ctx().status).toBe("no-answer");
  });
});

describe("late and duplicate events", () => {
  test("events after the end are ignored and never throw", () => {
    const call = answeredOutbound();
    call.send(hangupEv(9_000, "NORMAL_CLEARING", 16));
    call.send(hangupComplete(9_010, "NORMAL_CLEARING", 16, { durationSec: 9, billSec: 5, progressSec: 0, answerSec: 4, answered: true }));
    const before = call.actor.getSnapshot();
    const warn = console.warn;
    console.warn = () => {}; // XState's development build warns about events sent to a stopped actor.
    try {
      call.send(
        hangupComplete(9_020, "NORMAL_CLEARING", 16, { durationSec: 9, billSec: 5, progressSec: 0, answerSec: 4, answered: true }),
        ch("channel.answer", 9_030),
        ch("channel.destroy", 9_040),
        { type: "hangup", at: T0 + 9_050 },
        { type: "channel.vanished", at: T0 + 9_060 },
      );
    } finally {
      console.warn = warn;
    }
    const after = call.actor.getSnapshot();
    expect(after.status).toBe("done");
    expect(after.context).toEqual(before.context);
  });

  test("an answer after the hangup does not regress the call", () => {
    const call = startCall(outboundInput());
    call.send({ type: "originate.sent", at: T0 + 5 }, ch("channel.progress", 100), hangupEv(2_000, "CALL_REJECTED", 21));
    call.send(ch("channel.answer", 2_001), ch("channel.progress", 2_002), ch("channel.progress_media", 2_003));
    expect(call.state()).toBe("ending");
    call.send(ch("channel.destroy", 2_100));
    expect(call.ctx().status).toBe("failed");
  });

  test("duplicate progress and answer events keep the first times", () => {
    const call = answeredOutbound();
    call.send(ch("channel.answer", 9_000), ch("channel.progress", 9_001));
    expect(call.state()).toBe("in_progress.idle");
    expect(call.ctx().answeredAt).toBe(T0 + 4_000);
    expect(call.ctx().ringingAt).toBe(T0 + 300);
  });
});

describe("refused commands", () => {
  const say: CallUserCommand = { type: "say", at: T0 + 1, text: "hi", applicationUuid: "r-say" };
  const play: CallUserCommand = { type: "play", at: T0 + 1, url: "/s/x.wav", applicationUuid: "r-play" };
  const dtmf: CallUserCommand = { type: "send_dtmf", at: T0 + 1, digits: "1" };
  const gather: CallUserCommand = { type: "gather", at: T0 + 1, minDigits: 1, maxDigits: 1, timeoutMs: 1000, terminators: "#", applicationUuid: "r-g" };
  const transfer: CallUserCommand = { type: "transfer", at: T0 + 1, extension: "1000" };
  const bridge: CallUserCommand = { type: "bridge", at: T0 + 1, dialString: "user/1001", applicationUuid: "r-b" };
  const hangup: CallUserCommand = { type: "hangup", at: T0 + 1 };
  const answer: CallUserCommand = { type: "answer", at: T0 + 1, applicationUuid: "r-a" };

  const scenarios: Array<{ state: string; make: () => Call; refused: Array<[CallUserCommand, string]> }> = [
    {
      state: "queued",
      make: () => startCall(outboundInput()),
      refused: [
        [say, "cannot say text on a call that is queued"],
        [play, "cannot play on a call that is queued"],
        [dtmf, "cannot send DTMF on a call that is queued"],
        [gather, "cannot gather digits on a call that is queued"],
        [transfer, "cannot transfer a call that is queued"],
        [bridge, "cannot bridge a call that is queued"],
        [answer, "cannot answer an outbound call"],
      ],
    },
    {
      state: "initiating",
      make: () => {
        const c = startCall(outboundInput());
        c.send({ type: "originate.sent", at: T0 });
        return c;
      },
      refused: [
        [play, "cannot play on a call that is being dialed"],
        [dtmf, "cannot send DTMF on a call that is being dialed"],
        [answer, "cannot answer an outbound call"],
      ],
    },
    {
      state: "ringing",
      make: () => {
        const c = startCall(outboundInput());
        c.send({ type: "originate.sent", at: T0 }, ch("channel.progress", 10));
        return c;
      },
      refused: [
        [say, "cannot say text on a call that is ringing"],
        [play, "cannot play on a call that is ringing"],
        [dtmf, "cannot send DTMF on a call that is ringing"],
        [gather, "cannot gather digits on a call that is ringing"],
        [transfer, "cannot transfer a call that is ringing"],
        [bridge, "cannot bridge a call that is ringing"],
        [answer, "cannot answer an outbound call"],
      ],
    },
    {
      state: "early_media",
      make: () => {
        const c = startCall(outboundInput());
        c.send({ type: "originate.sent", at: T0 }, ch("channel.progress_media", 10));
        return c;
      },
      refused: [[play, "cannot play on a call that is ringing (early media)"]],
    },
    {
      state: "in_progress.idle",
      make: () => answeredInbound(),
      refused: [[answer, "cannot answer a call that is already answered"]],
    },
    {
      state: "in_progress.collecting_digits",
      make: () => {
        const c = answeredOutbound();
        c.send({ ...gather, applicationUuid: "first-gather" });
        return c;
      },
      refused: [
        [gather, "cannot gather digits on a call that is already collecting digits"],
        [say, "cannot say text on a call that is already collecting digits"],
        [play, "cannot play on a call that is already collecting digits"],
        [answer, "cannot answer an outbound call"],
      ],
    },
    {
      state: "in_progress.bridged",
      make: () => {
        const c = answeredOutbound();
        c.send(bridge);
        return c;
      },
      refused: [
        [bridge, "cannot bridge a call that is bridged"],
        [play, "cannot play on a call that is bridged"],
        [say, "cannot say text on a call that is bridged"],
        [gather, "cannot gather digits on a call that is bridged"],
      ],
    },
    {
      state: "in_progress.transferred",
      make: () => {
        const c = answeredOutbound();
        c.send(transfer);
        return c;
      },
      refused: [[play, "cannot play on a call that was transferred to the dialplan"]],
    },
    {
      state: "hanging_up",
      make: () => {
        const c = answeredOutbound();
        c.send(hangup);
        return c;
      },
      refused: [
        [hangup, "cannot hang up a call that is already hanging up"],
        [play, "cannot play on a call that is already hanging up"],
        [dtmf, "cannot send DTMF on a call that is already hanging up"],
      ],
    },
    {
      state: "ending",
      make: () => {
        const c = answeredOutbound();
        c.send(hangupEv(9_000, "NORMAL_CLEARING", 16));
        return c;
      },
      refused: [
        [hangup, "cannot hang up a call that has ended"],
        [dtmf, "cannot send DTMF on a call that has ended"],
        [say, "cannot say text on a call that has ended"],
        [transfer, "cannot transfer a call that has ended"],
      ],
    },
  ];

  for (const scenario of scenarios) {
    for (const [command, reason] of scenario.refused) {
      test(`${command.type} in ${scenario.state}: "${reason}"`, () => {
        const call = scenario.make();
        expect(call.state()).toBe(scenario.state);
        const before = call.actor.getSnapshot();
        const commandsBefore = call.commands().length;
        expect(refusal(before, command)).toBe(reason);
        call.send(command);
        const after = call.actor.getSnapshot();
        expect(call.refusals().at(-1)).toEqual({ type: "refused", command: command.type, reason, state: scenario.state });
        expect(after.value).toEqual(before.value);
        expect(after.context).toEqual(before.context);
        expect(call.commands().length).toBe(commandsBefore);
      });
    }
  }

  test("on an ended call every command is refused", () => {
    const call = answeredOutbound();
    call.send(hangupEv(9_000, "NORMAL_CLEARING", 16), hangupComplete(9_001, "NORMAL_CLEARING", 16, { durationSec: 9, billSec: 5, progressSec: 0, answerSec: 4, answered: true }));
    const snap = call.actor.getSnapshot();
    expect(refusal(snap, dtmf)).toBe("cannot send DTMF on a call that has ended");
    expect(refusal(snap, hangup)).toBe("cannot hang up a call that has ended");
    expect(refusal(snap, play)).toBe("cannot play on a call that has ended");
  });

  test("accepted commands have no refusal", () => {
    const call = answeredOutbound();
    const snap = call.actor.getSnapshot();
    for (const command of [say, play, dtmf, gather, transfer, bridge, hangup]) {
      expect(refusal(snap, command)).toBeNull();
    }
    const ringingInbound = startCall(inboundInput()).actor.getSnapshot();
    expect(refusal(ringingInbound, answer)).toBeNull();
    expect(refusal(ringingInbound, hangup)).toBeNull();
    const playing = answeredOutbound();
    playing.send(play);
    // say/play while playing interrupt rather than refuse.
    expect(refusal(playing.actor.getSnapshot(), say)).toBeNull();
    expect(refusal(playing.actor.getSnapshot(), play)).toBeNull();
  });
});

describe("persistence", () => {
  test("a call restored while ringing keeps its ring deadline", () => {
    const call = startCall(outboundInput({ timeoutSec: 20 }));
    call.send({ type: "originate.sent", at: T0 }, ch("channel.progress", 100));
    const persisted = JSON.parse(JSON.stringify(call.actor.getPersistedSnapshot()));
    call.actor.stop();

    const clock = new SimulatedClock();
    const restored = createActor(callMachine, { snapshot: persisted, clock, input: outboundInput() });
    const emitted: CallEmitted[] = [];
    restored.on("*", (e) => emitted.push(e));
    restored.start();
    expect(callStateName(restored.getSnapshot())).toBe("ringing");
    // Deadline: originate.sent + (20 + grace) s = T0 + 30 s; resumed at T0 + 25 s.
    restored.send({ type: "resume", at: T0 + 25_000 });
    clock.increment(4_999);
    expect(callStateName(restored.getSnapshot())).toBe("ringing");
    clock.increment(1);
    expect(callStateName(restored.getSnapshot())).toBe("hanging_up");
    expect(emitted).toEqual([{ type: "command", command: { type: "hangup", uuid: CALL_ID, cause: "NO_ANSWER" } }]);
    restored.stop();
  });


  test("a persisted snapshot restores into an equivalent actor, and resume re-arms its timers", () => {
    const call = answeredOutbound({ timeLimitSec: 60 });
    call.send({ type: "play", at: T0 + 5_000, url: "/s/x.wav", applicationUuid: "app-x" });
    call.send(ch("channel.dtmf", 6_000, { digit: "9", durationSamples: 800, source: "RTP" }));
    const persisted = JSON.parse(JSON.stringify(call.actor.getPersistedSnapshot()));
    call.actor.stop();

    const clock = new SimulatedClock();
    clock.set(T0 + 20_000);
    const restored = createActor(callMachine, { snapshot: persisted, clock, input: outboundInput() });
    const emitted: CallEmitted[] = [];
    restored.on("*", (e) => emitted.push(e));
    restored.start();
    const snap = restored.getSnapshot();
    expect(callStateName(snap)).toBe("in_progress.playing");
    expect(snap.context).toEqual(call.actor.getSnapshot().context);
    // Restoring re-runs no entry action: no originate, no duplicate playback.
    expect(emitted).toEqual([]);

    // The playback still completes by its Application-UUID.
    restored.send(executeComplete(21_000, "playback", "app-x"));
    expect(callStateName(restored.getSnapshot())).toBe("in_progress.idle");

    // Answered at +4 s with a 60 s limit: due at +64 s. Resumed at +20 s → 44 s left.
    restored.send({ type: "resume", at: T0 + 20_000 });
    clock.increment(43_999);
    expect(callStateName(restored.getSnapshot())).toBe("in_progress.idle");
    clock.increment(1);
    expect(callStateName(restored.getSnapshot())).toBe("hanging_up");
    expect(emitted.at(-1)).toEqual({ type: "command", command: { type: "hangup", uuid: CALL_ID, cause: "ALLOTTED_TIMEOUT" } });
    restored.stop();
  });
});

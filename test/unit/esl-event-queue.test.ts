/**
 * The bounded event queue: in-order one-at-a-time delivery, pause/resume at the
 * water marks, and the shedding order when capacity is exceeded.
 */
import { describe, expect, test } from "bun:test";
import { BoundedEventQueue, switchEventTier, type SwitchEvent } from "../../src/esl/index.ts";

function meta(eventName: string, sequence: number) {
  return { eventName, sequence, switchTimeMs: 0, receivedAt: 0, coreUuid: "core" };
}

function heartbeat(sequence: number): SwitchEvent {
  return { ...meta("HEARTBEAT", sequence), kind: "heartbeat", upTimeMsec: 0, sessionCount: 0, maxSessions: 0, version: "" };
}

function channel(kind: "channel.callstate" | "channel.dtmf" | "channel.hangup", sequence: number): SwitchEvent {
  const base = {
    ...meta(kind, sequence),
    uuid: "u",
    channelName: "",
    direction: "inbound" as const,
    answerState: "answered" as const,
    callState: "ACTIVE" as const,
    channelState: "CS_EXECUTE",
    callerIdNumber: "",
    callerIdName: "",
    destinationNumber: "",
    variables: {},
  };
  if (kind === "channel.dtmf") return { ...base, kind, digit: "1", durationSamples: 800, source: "RTP" };
  if (kind === "channel.hangup") return { ...base, kind, hangupCause: "NORMAL_CLEARING", q850: 16 };
  return { ...base, kind };
}

function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe("BoundedEventQueue", () => {
  test("delivers in order, one at a time, awaiting async handlers; a throwing handler does not stop delivery", async () => {
    const seen: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const queue = new BoundedEventQueue<number>({
      tierOf: () => 0,
      deliver: async (n) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, n % 3));
        running--;
        if (n === 4) throw new Error("handler bug");
        seen.push(n);
      },
    });
    for (let i = 0; i < 10; i++) queue.push(i);
    await queue.whenIdle();
    expect(seen).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(maxRunning).toBe(1);
    expect(queue.stats().handlerErrors).toBe(1);
  });

  test("pauses at highWater and resumes at lowWater", async () => {
    const g = gate();
    const calls: string[] = [];
    const queue = new BoundedEventQueue<number>({
      limits: { highWater: 4, lowWater: 1, capacity: 100 },
      tierOf: () => 0,
      deliver: async () => {
        await g.wait;
      },
      onPause: () => calls.push("pause"),
      onResume: () => calls.push("resume"),
    });
    for (let i = 0; i < 10; i++) queue.push(i);
    expect(calls).toEqual(["pause"]);
    expect(queue.isPaused).toBe(true);
    g.open();
    await queue.whenIdle();
    expect(calls).toEqual(["pause", "resume"]);
    expect(queue.stats()).toMatchObject({ delivered: 10, dropped: 0, pausedCount: 1, depth: 0, paused: false });
  });

  test("over capacity: heartbeats are shed first, then informational channel events, lifecycle events last", async () => {
    const g = gate();
    const delivered: SwitchEvent[] = [];
    const queue = new BoundedEventQueue<SwitchEvent>({
      limits: { highWater: 2, lowWater: 1, capacity: 4 },
      tierOf: switchEventTier,
      deliver: async (e) => {
        await g.wait;
        delivered.push(e);
      },
    });
    // The first event goes straight to the (blocked) consumer; four more fill the queue.
    queue.push(channel("channel.dtmf", 1));
    queue.push(heartbeat(2));
    queue.push(channel("channel.callstate", 3));
    queue.push(heartbeat(4));
    queue.push(channel("channel.dtmf", 5));
    expect(queue.depth).toBe(4);
    queue.push(channel("channel.hangup", 6)); // sheds heartbeat 2
    queue.push(channel("channel.dtmf", 7)); // sheds heartbeat 4
    queue.push(channel("channel.dtmf", 8)); // sheds callstate 3
    queue.push(heartbeat(9)); // everything queued outranks it: shed itself
    queue.push(channel("channel.dtmf", 10)); // only lifecycle left: the oldest (dtmf 5) goes
    expect(queue.depth).toBe(4);
    expect(queue.stats().dropped).toBe(5);
    g.open();
    await queue.whenIdle();
    expect(delivered.map((e) => e.sequence)).toEqual([1, 6, 7, 8, 10]);
  });

  test("a held queue delivers nothing until released", async () => {
    const seen: number[] = [];
    const queue = new BoundedEventQueue<number>({ held: true, tierOf: () => 0, deliver: (n) => void seen.push(n) });
    queue.push(1);
    queue.push(2);
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([]);
    queue.release();
    await queue.whenIdle();
    expect(seen).toEqual([1, 2]);
  });

  test("refuses inconsistent limits", () => {
    expect(() => new BoundedEventQueue<number>({ limits: { highWater: 5, lowWater: 5, capacity: 10 }, tierOf: () => 0, deliver: () => {} })).toThrow(RangeError);
  });
});

/**
 * The baseline: the same call logic written directly on modesl callbacks — no
 * actors, no HTTP, no database. bgapi originate → on CHANNEL_ANSWER sendmsg
 * execute play_and_get_digits → on its CHANNEL_EXECUTE_COMPLETE api uuid_kill.
 *
 * It frames with the same guarded parser as the runtime (importing src/esl
 * installs it on modesl's Parser), so the comparison measures the runtime, not
 * the parser; event arrival is the parser's stamp (frameInfo) in both passes.
 */
import { randomUUID } from "node:crypto";
import esl from "modesl";
import type EslEvent from "modesl/lib/esl/Event.js";
import { frameInfo } from "../src/esl/index.ts";
import { CallTimeline } from "./lib/call-timeline.ts";
import { paced } from "./lib/pacer.ts";

export interface BaselineOptions {
  port: number;
  password?: string;
  calls: number;
  cps: number;
  /** The dial string of call i. */
  dialString: (i: number) => string;
  /** play_and_get_digits argument, as the runtime would write it. */
  gatherArg: string;
  /** Give up waiting for the last hangup after this long. */
  deadlineMs: number;
  /** Called once, `atMs` after the first originate, with the calls up at that moment. */
  peak?: { atMs: number; snapshot: (liveCalls: number) => void };
}

export interface BaselineRun {
  timeline: CallTimeline;
  /** Channel events of our calls received, by Event-Name. */
  eventCounts: Map<string, number>;
  timedOut: boolean;
}

export async function runBaseline(opts: BaselineOptions): Promise<BaselineRun> {
  const conn = await new Promise<InstanceType<typeof esl.Connection>>((resolve, reject) => {
    const c: InstanceType<typeof esl.Connection> = new esl.Connection("127.0.0.1", opts.port, opts.password ?? "ClueCon", () => resolve(c));
    c.on("error", reject);
  });
  await new Promise<void>((resolve) => conn.sendRecv("event json CHANNEL_ANSWER CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB", () => resolve()));

  const timeline = new CallTimeline();
  const eventCounts = new Map<string, number>();
  const count = (name: string) => eventCounts.set(name, (eventCounts.get(name) ?? 0) + 1);
  let ended = 0;
  let allEnded!: () => void;
  const finished = new Promise<void>((r) => (allEnded = r));
  const arrival = (evt: EslEvent) => frameInfo(evt)?.receivedAt ?? performance.now();

  conn.on("esl::event::CHANNEL_ANSWER::*", (evt: EslEvent) => {
    const t = timeline.calls.get(String(evt.getHeader("Unique-ID")));
    if (!t) return;
    count("CHANNEL_ANSWER");
    if (t.answer !== undefined) return;
    t.answer = arrival(evt);
    const uuid = String(evt.getHeader("Unique-ID"));
    t.gatherApp = randomUUID();
    // sendmsg headers through sendRecv, so modesl queues a callback for the "+OK" (its execute() queues none).
    conn.sendRecv(`sendmsg ${uuid}`, {
      "call-command": "execute",
      "execute-app-name": "play_and_get_digits",
      "execute-app-arg": opts.gatherArg,
      // Event-UUID comes back as Application-UUID on CHANNEL_EXECUTE_COMPLETE.
      "Event-UUID": t.gatherApp,
    }, () => {});
    t.gather = performance.now();
  });
  conn.on("esl::event::CHANNEL_EXECUTE_COMPLETE::*", (evt: EslEvent) => {
    const uuid = String(evt.getHeader("Unique-ID"));
    const t = timeline.calls.get(uuid);
    if (t) count("CHANNEL_EXECUTE_COMPLETE");
    if (!t || t.gatherApp === undefined || t.gatherApp !== evt.getHeader("Application-UUID")) return;
    t.gatherDone = arrival(evt);
    conn.api("uuid_kill", `${uuid} NORMAL_CLEARING`, () => {});
    t.hangup = performance.now();
  });
  conn.on("esl::event::CHANNEL_HANGUP_COMPLETE::*", (evt: EslEvent) => {
    const t = timeline.calls.get(String(evt.getHeader("Unique-ID")));
    if (!t) return;
    count("CHANNEL_HANGUP_COMPLETE");
    if (t.ended !== undefined) return;
    t.ended = arrival(evt);
    if (++ended === opts.calls) allEnded();
  });

  let peakTimer: ReturnType<typeof setTimeout> | undefined;
  const paced0 = paced(opts.calls, opts.cps, (i) => {
    if (i === 0 && opts.peak) peakTimer = setTimeout(() => opts.peak!.snapshot(timeline.upNow()), opts.peak.atMs);
    const uuid = randomUUID();
    const t = timeline.at(uuid);
    // bgapi with a client-chosen Job-UUID (FreeSWITCH honours it); the call is followed by its channel events.
    conn.sendRecv(`bgapi originate {origination_uuid=${uuid},origination_caller_id_number=+15550001111,originate_timeout=60}${opts.dialString(i)} &park()`, { "Job-UUID": randomUUID() }, () => {});
    t.originate = performance.now();
  });
  await paced0;
  let timedOut = false;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([finished, new Promise<void>((r) => (deadline = setTimeout(() => ((timedOut = true), r()), opts.deadlineMs)))]);
  clearTimeout(deadline);
  clearTimeout(peakTimer);
  conn.disconnect();
  return { timeline, eventCounts, timedOut };
}

/**
 * The baseline: the same call logic written directly on modesl callbacks —
 * no actors, no HTTP, no database. originate → on CHANNEL_ANSWER
 * play_and_get_digits → on its CHANNEL_EXECUTE_COMPLETE uuid_kill.
 *
 * It frames with the same guarded parser as the runtime (importing src/esl
 * installs it), so the comparison measures the runtime, not the parser.
 */
import { randomUUID } from "node:crypto";
import esl from "modesl";
import { frameInfo } from "../src/esl/index.ts";

export interface BaselineResult {
  eventToCommandMs: number[];
  setupMs: number[];
  completed: number;
  peakLive: number;
}

export async function runBaseline(opts: { port: number; calls: number; cps: number; number: (i: number) => string; promptFile: string; gatherTimeoutMs: number; onPeak?: (live: number) => void }): Promise<BaselineResult> {
  const conn: any = await new Promise((resolve, reject) => {
    const c = new esl.Connection("127.0.0.1", opts.port, "ClueCon", () => resolve(c));
    c.on("error", reject);
  });
  await new Promise<void>((resolve) => conn.events("json", "CHANNEL_ANSWER CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB", () => resolve()));

  const result: BaselineResult = { eventToCommandMs: [], setupMs: [], completed: 0, peakLive: 0 };
  const originatedAt = new Map<string, number>();
  const gatherApp = new Map<string, string>();
  let live = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));

  conn.on("esl::event::CHANNEL_ANSWER::*", (evt: any) => {
    const uuid = evt.getHeader("Unique-ID");
    const sentAt = originatedAt.get(uuid);
    if (sentAt === undefined) return;
    const arrived = frameInfo(evt)?.receivedAt ?? performance.now();
    result.setupMs.push(arrived - sentAt);
    live++;
    if (live > result.peakLive) result.peakLive = live;
    const appUuid = randomUUID();
    gatherApp.set(uuid, appUuid);
    conn.sendRecv(`sendmsg ${uuid}`, {
      "call-command": "execute",
      "execute-app-name": "play_and_get_digits",
      "execute-app-arg": `1 1 1 ${opts.gatherTimeoutMs} # ${opts.promptFile} silence_stream://250 digits [0-9*#]+ 3000`,
      "Event-UUID": appUuid,
    }, () => {});
    result.eventToCommandMs.push(performance.now() - arrived);
  });
  conn.on("esl::event::CHANNEL_EXECUTE_COMPLETE::*", (evt: any) => {
    const uuid = evt.getHeader("Unique-ID");
    if (gatherApp.get(uuid) !== evt.getHeader("Application-UUID")) return;
    const arrived = frameInfo(evt)?.receivedAt ?? performance.now();
    conn.api("uuid_kill", `${uuid} NORMAL_CLEARING`, () => {});
    result.eventToCommandMs.push(performance.now() - arrived);
  });
  conn.on("esl::event::CHANNEL_HANGUP_COMPLETE::*", (evt: any) => {
    const uuid = evt.getHeader("Unique-ID");
    if (!originatedAt.has(uuid)) return;
    originatedAt.delete(uuid);
    live--;
    result.completed++;
    if (result.completed === opts.calls) done();
  });

  const interval = 1000 / opts.cps;
  const start = performance.now();
  for (let i = 0; i < opts.calls; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    const uuid = randomUUID();
    originatedAt.set(uuid, performance.now());
    conn.bgapi(`originate {origination_uuid=${uuid},originate_timeout=60}sofia/gateway/carrier/${opts.number(i)} &park()`, () => {});
  }
  await Promise.race([finished, Bun.sleep(120_000)]);
  conn.disconnect();
  return result;
}

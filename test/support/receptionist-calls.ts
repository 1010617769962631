/**
 * The voice receptionist tests' setup, shared: the whole runtime on the
 * embedded switch at a time scale and a simulated OpenAI quick enough for a
 * turn to take a fraction of a second; a receptionist created from a template
 * and a number routed to it; a simulated caller who dials that number and
 * speaks its `turns`.
 */
import { expect } from "bun:test";
import type { SimulatedOpenAIOptions } from "../../src/sim/openai/index.ts";
import { startHarness, type DbKind, type Harness } from "./switchboard.ts";

export interface VoiceHarnessOptions {
  db?: DbKind;
  env?: Record<string, string>;
  /** More for the simulated OpenAI (chat or moderation rules); its latency is the voice tests' own. */
  openai?: SimulatedOpenAIOptions;
}

/** The runtime for a receptionist voice test: PGlite unless told, switch at 0.2, model at 50 ms to first token. */
export function startVoiceHarness(opts: VoiceHarnessOptions = {}): Promise<Harness> {
  return startHarness({
    db: opts.db ?? "pglite",
    timeScale: 0.2,
    env: opts.env,
    start: { openai: { timeToFirstTokenMs: 50, tokensPerSecond: 400, ...opts.openai } },
  });
}

/** POST /v1/receptionists with `body` (a template and overrides); expects 201 and gives the id. */
export async function createReceptionist(h: Harness, body: { template: string; overrides?: unknown } = { template: "medical-office" }): Promise<string> {
  const created = await h.api("POST", "/v1/receptionists", body);
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** POST /v1/numbers routing `did` to the receptionist; expects 201. */
export async function routeNumber(h: Harness, did: string, receptionistId: string): Promise<void> {
  expect((await h.api("POST", "/v1/numbers", { did, receptionist_id: receptionistId })).status).toBe(201);
}

/** A simulated caller from `from` dials `to` and plays `turns` (say after the bot, hang up); the call's id. */
export function placeCall(h: Harness, to: string, from: string, turns: unknown[]): Promise<string> {
  return h.sim.placeInboundCall({ from, to, socket: { host: "127.0.0.1", port: h.sb.outboundSocketPort }, script: { turns } as never });
}

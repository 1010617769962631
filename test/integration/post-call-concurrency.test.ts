/**
 * ANALYSIS_CONCURRENCY bounds the post-call analyser: with the value the
 * config reads (here 2), no more model passes run at once however many
 * conversations end together; the rest queue in order and all are analysed
 * and stored. The model is a stand-in that holds each pass until the test
 * lets it go, so "at once" is counted exactly, with no timing involved.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq, inArray } from "drizzle-orm";
import pino from "pino";
import type { AnalysisModel, AnalysisSource } from "../../src/ai/analysis/index.ts";
import { loadConfig } from "../../src/config.ts";
import { JournalWriter } from "../../src/db/journal.ts";
import { insertCall } from "../../src/db/queries/calls.ts";
import { conversations, type StoredAnalysis } from "../../src/db/schema.ts";
import { PostCallAnalyser } from "../../src/runtime/post-call.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import { until } from "../support/until.ts";

const silent = pino({ level: "silent" });
let opened: TestDatabase;
let journal: JournalWriter;

beforeAll(async () => {
  opened = await openTestDatabase("pglite", { pglite: { dirPrefix: "switchboard-analysis-concurrency-" } });
  journal = new JournalWriter(opened.database.db, { log: silent });
});
afterAll(async () => {
  await journal?.close();
  await opened?.close();
});

/** A model whose passes wait until released, counting how many run at once. */
function heldModel() {
  const waiting: Array<() => void> = [];
  const state = { inFlight: 0, maxInFlight: 0, started: [] as string[] };
  const model: AnalysisModel = {
    async analyse(source: AnalysisSource): Promise<StoredAnalysis> {
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      state.started.push(source.transcript[0]!.text);
      await new Promise<void>((release) => waiting.push(release));
      state.inFlight--;
      return { summary: "Asked about opening hours.", callerName: null, reason: "opening hours", callbackNumber: null, appointment: null, success: true, outcomeReason: "answered", model: "held" };
    },
  };
  return { model, state, waiting };
}

test("ANALYSIS_CONCURRENCY=2: six conversations ending together are analysed two at a time, in order, all stored", async () => {
  const { db } = opened.database;
  const concurrency = loadConfig({ ANALYSIS_CONCURRENCY: "2" }).analysis.concurrency;
  const ids: string[] = [];
  for (let i = 1; i <= 6; i++) {
    const callId = `call-concurrency-${i}`;
    await insertCall(db, { id: callId, direction: "inbound", toNumber: "+12125550123", status: "completed" });
    const id = `conv-concurrency-${i}`;
    journal.upsertConversation({
      id,
      callId,
      direction: "inbound",
      status: "ended",
      outcome: "completed",
      model: "gpt-4o-mini",
      voice: { engine: "flite", voice: "kal" },
      systemPrompt: "You are the receptionist.",
      transcript: [{ who: "caller", text: `caller ${i}: what are your opening hours?`, startedAt: null, endedAt: null, interrupted: false }],
      turns: [],
      toolCalls: [],
      usage: { promptTokens: 0, completionTokens: 0, llmRequests: 0, ttsRequests: 0, ttsCharacters: 0 },
      flowPath: [],
      endedAt: new Date(),
    });
    ids.push(id);
  }
  const { model, state, waiting } = heldModel();
  const analyser = new PostCallAnalyser({ db, journal, model, concurrency, log: silent });
  for (const id of ids) analyser.enqueue(id);

  // Release one pass at a time: each finished pass lets exactly one queued conversation start.
  for (let released = 0; released < ids.length; released++) {
    const expected = Math.min(2, ids.length - released);
    await until(
      () => `${expected} passes held after ${released} released (held ${waiting.length}, started ${state.started.length}, ${JSON.stringify(analyser.stats())})`,
      () => waiting.length === expected && state.started.length === released + expected && analyser.stats().running === expected,
    );
    expect(analyser.stats().queued).toBe(ids.length - released - expected);
    waiting.shift()!();
  }
  await analyser.whenIdle();

  expect(state.maxInFlight).toBe(2);
  expect(state.started).toEqual(ids.map((_, i) => `caller ${i + 1}: what are your opening hours?`));
  expect(analyser.stats()).toMatchObject({ queued: 0, running: 0, done: 6, failed: 0 });
  const rows = await db.select({ id: conversations.id, status: conversations.analysisStatus }).from(conversations).where(inArray(conversations.id, ids));
  expect(rows.map((r) => r.status)).toEqual(ids.map(() => "done"));
  const [first] = await db.select().from(conversations).where(eq(conversations.id, ids[0]!));
  expect(first!.analysis).toMatchObject({ reason: "opening hours", model: "held" });
});

/**
 * The post-call analyser on both databases, against the simulated OpenAI over
 * the real wire (and small fake servers for the failures a real one has): an
 * ended conversation is analysed once and stored, journalled, and a later
 * rewrite of its row never undoes it; a call nobody spoke on is skipped; an
 * invalid reply is stored as failed with the reason (no retry: it would say
 * the same), a 5xx or a stall is retried once then failed; a restart takes up
 * what was left pending or never started; stopping leaves a running one
 * pending.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import pino from "pino";
import { OpenAIAnalysis } from "../../src/ai/analysis/index.ts";
import type { Db } from "../../src/db/client.ts";
import { JournalWriter } from "../../src/db/journal.ts";
import { listEvents } from "../../src/db/queries/call-events.ts";
import { insertCall } from "../../src/db/queries/calls.ts";
import { conversations, type NewConversation, type StoredToolCall, type StoredTranscriptEntry } from "../../src/db/schema.ts";
import { PostCallAnalyser } from "../../src/runtime/post-call.ts";
import { SimulatedOpenAI } from "../../src/sim/openai/index.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

const PROMPT = "SECRET-PROMPT-51c2: you are the receptionist of Elm Street Dental.";
const silent = pino({ level: "silent" });

const said = (who: "caller" | "bot", text: string): StoredTranscriptEntry => ({ who, text, startedAt: null, endedAt: null, interrupted: false });
const tool = (name: string, args: unknown, result: unknown): StoredToolCall => ({
  id: `call_${name}`,
  name,
  arguments: JSON.stringify(args),
  outcome: "ok",
  result: JSON.stringify(result),
  error: null,
  startedAt: null,
  endedAt: null,
  durationMs: null,
  turn: 1,
});

const BOOKING_TRANSCRIPT = [
  said("bot", "Thank you for calling Elm Street Dental. How can I help you today?"),
  said("caller", "hi i'd like to book a cleaning next tuesday at 10 am"),
  said("bot", "May I have your full name, please?"),
  said("caller", "it's ann lee"),
  said("caller", "five five five two three four seven seven eight eight"),
];
const BOOKING = tool(
  "book_appointment",
  { date: "2026-12-01", time: "10:00", name: "ann lee", phone: "five five five two three four seven seven eight eight", service: "cleaning" },
  { ok: true, message: "Ann Lee is now booked for cleaning.", date: "2026-12-01", time: "10:00", service: "cleaning", name: "Ann Lee" },
);

function endedRow(id: string, callId: string, patch: Partial<NewConversation> = {}): NewConversation {
  return {
    id,
    callId,
    direction: "inbound",
    status: "ended",
    outcome: "completed",
    model: "gpt-4o-mini",
    voice: { engine: "flite", voice: "kal" },
    systemPrompt: PROMPT,
    transcript: BOOKING_TRANSCRIPT,
    turns: [],
    toolCalls: [BOOKING],
    usage: { promptTokens: 0, completionTokens: 0, llmRequests: 0, ttsRequests: 0, ttsCharacters: 0 },
    flowPath: [{ node: "greeting", via: null }, { node: "wrap_up", via: "book_appointment" }],
    endedAt: new Date(),
    ...patch,
  };
}

/** An OpenAI-shaped server answering every chat completion with `answer` (counting the requests). */
function fakeOpenAI(answer: (req: Request) => Response | Promise<Response>) {
  const seen: unknown[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: async (req) => {
      seen.push(await req.json());
      return answer(req);
    },
  });
  return { baseURL: `http://127.0.0.1:${server.port}/v1`, seen, stop: () => server.stop(true) };
}

const completion = (content: string) =>
  Response.json({
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 0,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });

for (const kind of ["pglite", "postgres"] as const) {
  describe(`post-call analysis on ${kind}`, () => {
    let opened: TestDatabase | undefined;
    let db: Db;
    let sim: SimulatedOpenAI;
    let journal: JournalWriter;
    let n = 0;

    beforeAll(async () => {
      opened = await openTestDatabase(kind, { pglite: { dirPrefix: "switchboard-analysis-" } });
      db = opened.database.db;
      journal = new JournalWriter(db, { log: silent });
      sim = new SimulatedOpenAI({ timeToFirstTokenMs: 5, tokensPerSecond: 5000 });
      await sim.start();
    });
    afterAll(async () => {
      await journal?.close();
      await sim?.stop();
      await opened?.close();
    });

    /** A stored call with an ended conversation on it (through the journal, as the runtime stores it). */
    const storeEnded = async (patch: Partial<NewConversation> = {}) => {
      const callId = `call-${kind}-${++n}`;
      await insertCall(db, { id: callId, direction: "inbound", toNumber: "+12125550123", status: "completed" });
      const row = endedRow(`conv-${kind}-${n}`, callId, patch);
      journal.upsertConversation(row);
      return row.id;
    };
    const stored = async (id: string) => (await db.select().from(conversations).where(eq(conversations.id, id)))[0]!;
    const analyser = (baseURL = sim.baseURL, apiKey = sim.apiKey, opts: { timeoutMs?: number } = {}) =>
      new PostCallAnalyser({ db, journal, model: new OpenAIAnalysis({ apiKey, baseURL, model: "gpt-4o-mini" }), retryDelayMs: 10, log: silent, ...opts });

    test("an ended conversation is analysed once, stored and journalled; a later rewrite of its row keeps it", async () => {
      const id = await storeEnded();
      const a = analyser();
      a.enqueue(id);
      a.enqueue(id); // reported twice (its end, then a shutdown persist): analysed once
      await a.whenIdle();
      const row = await stored(id);
      expect(row.analysisStatus).toBe("done");
      expect(row.analysis).toMatchObject({
        callerName: "Ann Lee",
        callbackNumber: "+15552347788",
        appointment: { start: "2026-12-01T10:00", service: "cleaning" },
        success: true,
        model: "gpt-4o-mini",
      });
      expect(row.analyzedAt).toBeInstanceOf(Date);
      // The request the simulated model got: structured outputs, our instructions, never the bot's prompt.
      const request = sim.chatLog.at(-1)!.request as Record<string, any>;
      expect(request.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "post_call_analysis", strict: true } });
      expect(JSON.stringify(request)).not.toContain("SECRET-PROMPT");
      expect(a.stats()).toMatchObject({ done: 1, failed: 0 });

      await journal.flush();
      const events = await listEvents(db, id);
      expect(events.filter((e) => e.name.startsWith("ANALYSIS_")).map((e) => [e.name, (e.data as { success: boolean }).success])).toEqual([["ANALYSIS_DONE", true]]);

      // The journal rewrites the row (a late update): the analysis columns are not its to touch.
      journal.upsertConversation({ ...endedRow(id, row.callId), analysisStatus: "pending", analysis: null } as NewConversation);
      await journal.flush();
      expect((await stored(id)).analysisStatus).toBe("done");
      expect((await stored(id)).analysis?.callerName).toBe("Ann Lee");
    });

    test("a call the caller never spoke on is skipped without a model pass; a live one is not touched", async () => {
      const silentCall = await storeEnded({ transcript: [said("bot", "Hello?")], toolCalls: [] });
      const live = await storeEnded({ status: "active", endedAt: null });
      const before = sim.stats.chatRequests;
      const a = analyser();
      a.enqueue(silentCall);
      a.enqueue(live);
      await a.whenIdle();
      expect(sim.stats.chatRequests).toBe(before);
      expect(await stored(silentCall)).toMatchObject({ analysisStatus: "skipped", analysisError: "the caller said nothing", analysis: null });
      expect((await stored(live)).analysisStatus).toBeNull();
    });

    test("an invalid reply is stored as failed with the reason, without a retry", async () => {
      const fake = fakeOpenAI(() => completion(JSON.stringify({ summary: "hm", success: "maybe" })));
      try {
        const id = await storeEnded();
        const a = analyser(fake.baseURL, "sk-fake");
        a.enqueue(id);
        await a.whenIdle();
        const row = await stored(id);
        expect(row.analysisStatus).toBe("failed");
        expect(row.analysisError).toMatch(/caller_name|success|reason/);
        expect(fake.seen).toHaveLength(1);
        await journal.flush();
        expect((await listEvents(db, id)).map((e) => e.name)).toContain("ANALYSIS_FAILED");
      } finally {
        fake.stop();
      }
    });

    test("a 5xx and a stall are retried once, then stored as failed; a refused key is not retried and never quoted", async () => {
      const down = fakeOpenAI(() => Response.json({ error: { message: "The server had an error", type: "server_error" } }, { status: 503 }));
      const stalled = fakeOpenAI(() => new Promise<Response>(() => {}));
      const refused = fakeOpenAI(() =>
        Response.json({ error: { message: "Incorrect API key provided: sk-fake***wxyz.", type: "invalid_request_error", code: "invalid_api_key" } }, { status: 401 }),
      );
      try {
        const [a, b, c] = [await storeEnded(), await storeEnded(), await storeEnded()];
        const onDown = analyser(down.baseURL, "sk-fake");
        const onStall = analyser(stalled.baseURL, "sk-fake", { timeoutMs: 150 });
        const onRefused = analyser(refused.baseURL, "sk-fakewxyz");
        onDown.enqueue(a);
        onStall.enqueue(b);
        onRefused.enqueue(c);
        await Promise.all([onDown.whenIdle(), onStall.whenIdle(), onRefused.whenIdle()]);
        expect(down.seen).toHaveLength(2);
        expect(await stored(a)).toMatchObject({ analysisStatus: "failed", analysisError: expect.stringContaining("503") });
        expect(stalled.seen).toHaveLength(2);
        expect(await stored(b)).toMatchObject({ analysisStatus: "failed", analysisError: "no answer within 150 ms" });
        expect(refused.seen).toHaveLength(1);
        expect(await stored(c)).toMatchObject({ analysisStatus: "failed", analysisError: "the model's API refused the key (401)" });
      } finally {
        down.stop();
        stalled.stop();
        refused.stop();
      }
    });

    test("stopping leaves a running analysis pending; the next start takes up pending and never-started ones", async () => {
      const stalled = fakeOpenAI(() => new Promise<Response>(() => {}));
      const running = await storeEnded();
      try {
        const first = analyser(stalled.baseURL, "sk-fake");
        first.enqueue(running);
        for (let i = 0; i < 200 && stalled.seen.length === 0; i++) await Bun.sleep(10);
        expect(stalled.seen).toHaveLength(1);
        await first.stop();
        expect((await stored(running)).analysisStatus).toBe("pending");
      } finally {
        stalled.stop();
      }
      // Ended while the last run was stopping (never queued): its analysis_status is still null.
      const neverStarted = await storeEnded();
      await journal.flush();

      const next = analyser();
      expect(await next.recover()).toBeGreaterThanOrEqual(2);
      await next.whenIdle();
      for (const id of [running, neverStarted]) expect((await stored(id)).analysis?.callerName).toBe("Ann Lee");
      const rows = await db.select({ status: conversations.analysisStatus }).from(conversations).where(eq(conversations.status, "ended"));
      expect(rows.filter((r) => r.status === "pending" || r.status === null)).toEqual([]);
    });
  });
}

/**
 * The conversations API end to end on the embedded default (real HTTP server,
 * runtime, ESL client against the switch simulator, PGlite):
 *  - GET /v1/conversations and /:id over stored conversations: the shape,
 *    newest first, filters, pagination, 404, odd cursors and queries → 422;
 *  - POST /v1/calls with a `conversation`: refused at the edge naming the
 *    field; accepted and handed to the runtime's ConversationApi, whose id the
 *    call's answers show; a runtime refusal cancels the call just placed;
 *  - the system prompt appears in no answer (the serialized JSON) and no log line.
 *
 * Where the runtime's conversation wiring is not in main.ts yet, a second app
 * on the same runtime is given a stand-in ConversationApi (`fakeConversations`)
 * to check the route's side of the contract; the end-to-end test against the
 * real runtime is skipped, visibly, until the wiring lands.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import pino from "pino";
import { initialContext } from "../../machines/conversation-setup.ts";
import type { ConversationContext } from "../../machines/conversation-types.ts";
import type { NewConversation } from "../../src/db/schema.ts";
import { createApp } from "../../src/http/app.ts";
import type { ConversationsApi } from "../../src/http/conversations.ts";
import { log } from "../../src/log.ts";
import type { ConversationSpec, ConversationView } from "../../src/runtime/conversation-api.ts";
import { conversationRecord } from "../../src/runtime/conversation-record.ts";
import { createRuntimeMetrics } from "../../src/runtime/runtime-metrics.ts";
import { startHarness, TEST_API_KEY, type Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const PROMPT = "You are the receptionist of Elm Street Dental. SECRET-PROMPT-b41c: the staff door code is 4711.";
const ORIGIN = Date.UTC(2026, 10, 26, 9, 0, 0);
const clock = { epochMsOf: (ms: number | null) => (ms === null ? null : ORIGIN + ms) };

/** Every log line written while the suite runs (the process logger's stream, shared by its children). */
const logLines: string[] = [];
const logStream = (log as any)[pino.symbols.streamSym] as { write(s: string): unknown };
const originalWrite = logStream.write;

function context(id: string, callId: string, patch: Partial<ConversationContext> = {}): ConversationContext {
  return {
    ...initialContext({
      conversationId: id,
      callId,
      systemPrompt: PROMPT,
      firstMessage: "Hello, Elm Street Dental.",
      voice: { engine: "flite", voice: "kal" },
      model: "gpt-4o-mini",
    }),
    ...patch,
  };
}

/** A conversation with one full turn and a tool call, as the machine records it. */
function talkedContext(id: string, callId: string): ConversationContext {
  return context(id, callId, {
    transcript: [
      { who: "bot", text: "Hello, Elm Street Dental.", startedAt: 100, endedAt: 900, interrupted: false },
      { who: "caller", text: "are you open on monday", startedAt: 1200, endedAt: 2000, interrupted: false, via: "speech" },
      { who: "bot", text: "Yes, we open at", startedAt: 2900, endedAt: 3300, interrupted: true },
    ],
    turns: [
      {
        index: 1,
        callerText: "are you open on monday",
        marks: { endOfSpeech: 2000, finalTranscript: 2300, llmFirstToken: 2700, firstSentence: 2750, ttsCommand: 2750, playbackStarted: 2900 },
        latencies: {} as never,
        interrupted: true,
        llmRequests: 2,
        toolCallIds: ["tc_1"],
      },
    ],
    toolCalls: [
      {
        id: "tc_1",
        name: "opening_hours",
        arguments: '{"day":"monday"}',
        outcome: "ok",
        result: "09:00-17:00",
        error: null,
        startedAt: 2400,
        endedAt: 2450,
        durationMs: 50,
        turn: 1,
      },
    ],
    usage: { promptTokens: 220, completionTokens: 18, llmRequests: 2, ttsRequests: 2, ttsCharacters: 40 },
    outcome: "caller_hung_up",
    endCause: "NORMAL_CLEARING",
    endedAt: 3300,
  });
}

function row(ctx: ConversationContext, startedAt: number, done: boolean): NewConversation {
  return conversationRecord({ context: ctx, direction: "outbound", startedAt, clock, done, now: startedAt + 60_000 });
}

let h: Harness;

beforeAll(async () => {
  logStream.write = function (this: unknown, s: string) {
    logLines.push(String(s));
    return originalWrite.call(this, s);
  };
  h = await startHarness({
    db: "pglite",
    scenario: {
      name: "conversations api",
      callees: [{ name: "never answers", match: { prefix: "408" }, outcome: "no_answer" }],
      defaultCallee: { outcome: "answer", ringMs: 200 },
      defaultCaller: {},
    },
  });
});

afterAll(async () => {
  await h?.close();
  logStream.write = originalWrite;
  // Everything the suite made the runtime log (at the tests' level, warn and up): never the prompt.
  expect(logLines.join("\n")).not.toContain("SECRET-PROMPT");
});

const noPrompt = (body: unknown) => expect(JSON.stringify(body)).not.toContain("SECRET-PROMPT");

describe("GET /v1/conversations", () => {
  const callA = `call-a-${randomUUID()}`;
  const callB = `call-b-${randomUUID()}`;
  const base = Date.UTC(2026, 10, 26, 10, 0, 0);

  beforeAll(async () => {
    const journal = h.sb.journal;
    journal.upsertCall({ id: callA, direction: "outbound", toNumber: "+15550001000", status: "completed" });
    journal.upsertCall({ id: callB, direction: "outbound", toNumber: "+15550002000", status: "in-progress" });
    journal.upsertConversation(row(talkedContext("conv-talked", callA), base, true));
    for (let i = 0; i < 4; i++) journal.upsertConversation(row(context(`conv-b${i}`, callB), base + (i + 1) * 1000, i < 3));
    // A caller's text with a NUL: refused by PostgreSQL, stored sanitised (and logged, without the prompt).
    journal.upsertConversation(
      row(
        context("conv-nul", callA, { transcript: [{ who: "caller", text: "hi\u0000", startedAt: 1, endedAt: 2, interrupted: false, via: "speech" }] }),
        base - 1000,
        true,
      ),
    );
    await journal.flush();
  });

  test("one conversation: transcript, turns with their latencies, tool calls, usage and outcome, snake_case", async () => {
    const res = await h.api("GET", "/v1/conversations/conv-talked");
    expect(res.status).toBe(200);
    noPrompt(res.body);
    const t = (ms: number) => new Date(ORIGIN + ms).toISOString();
    expect(res.body).toEqual({
      id: "conv-talked",
      call_id: callA,
      direction: "outbound",
      status: "ended",
      state: null,
      live: false,
      // Ended, and no post-call analysis stored yet (none runs here: the row was written directly).
      analysis: {
        status: "pending",
        summary: null,
        caller_name: null,
        reason: null,
        callback_number: null,
        appointment: null,
        success: null,
        outcome_reason: null,
        model: null,
        error: null,
        analyzed_at: null,
      },
      outcome: "caller_hung_up",
      end_cause: "NORMAL_CLEARING",
      model: "gpt-4o-mini",
      voice: { engine: "flite", voice: "kal" },
      first_message: "Hello, Elm Street Dental.",
      // Nothing the safety guard did (none journalled for this conversation).
      safety_interventions: [],
      // Never transferred (no WARM_TRANSFER_* on its call, no transfer command journalled).
      transfer: null,
      started_at: new Date(base).toISOString(),
      ended_at: t(3300),
      updated_at: new Date(base + 60_000).toISOString(),
      transcript: [
        { who: "bot", text: "Hello, Elm Street Dental.", started_at: t(100), ended_at: t(900), interrupted: false },
        { who: "caller", text: "are you open on monday", started_at: t(1200), ended_at: t(2000), interrupted: false, via: "speech" },
        { who: "bot", text: "Yes, we open at", started_at: t(2900), ended_at: t(3300), interrupted: true },
      ],
      turns: [
        {
          index: 1,
          caller_text: "are you open on monday",
          interrupted: true,
          llm_requests: 2,
          tool_call_ids: ["tc_1"],
          latency_ms: {
            end_of_speech_to_final: 300,
            final_to_first_token: 400,
            first_token_to_first_sentence: 50,
            first_sentence_to_tts_command: 0,
            final_to_tts_command: 450,
            tts_to_playback: 150,
            voice_to_voice: 900,
          },
          marks: {
            end_of_speech: t(2000),
            final_transcript: t(2300),
            llm_first_token: t(2700),
            first_sentence: t(2750),
            tts_command: t(2750),
            playback_started: t(2900),
          },
        },
      ],
      tool_calls: [
        {
          id: "tc_1",
          name: "opening_hours",
          arguments: '{"day":"monday"}',
          result: "09:00-17:00",
          outcome: "ok",
          error: null,
          duration_ms: 50,
          started_at: t(2400),
          ended_at: t(2450),
          turn: 1,
        },
      ],
      usage: { prompt_tokens: 220, completion_tokens: 18, llm_requests: 2, tts_requests: 2, tts_characters: 40 },
    });
  });

  test("a conversation the database refused for its strings is there, sanitised", async () => {
    const res = await h.api("GET", "/v1/conversations/conv-nul");
    expect(res.status).toBe(200);
    expect(res.body.transcript[0].text).toBe("hi\uFFFD");
    expect(h.sb.journal.stats().refusedByDb.conversations.sanitised).toBeGreaterThanOrEqual(1);
    // Logged loudly (and the capture the suite's no-prompt check reads works): by ids, never by contents.
    const line = logLines.find((l) => l.includes('"conversationId":"conv-nul"'));
    expect(line).toBeDefined();
    expect(line).not.toContain("SECRET-PROMPT");
  });

  test("the list is newest first, pages by cursor, and filters by status and call_id", async () => {
    const all = await h.api("GET", "/v1/conversations?limit=500");
    expect(all.status).toBe(200);
    noPrompt(all.body);
    const ids = all.body.conversations.map((c: any) => c.id);
    expect(ids.indexOf("conv-b3")).toBeLessThan(ids.indexOf("conv-b0"));
    expect(ids.indexOf("conv-b0")).toBeLessThan(ids.indexOf("conv-talked"));
    expect(ids.indexOf("conv-talked")).toBeLessThan(ids.indexOf("conv-nul"));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await h.api("GET", `/v1/conversations?call_id=${callB}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.conversations.map((c: any) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["conv-b3", "conv-b2", "conv-b1", "conv-b0"]);

    const active = await h.api("GET", `/v1/conversations?status=active&call_id=${callB}`);
    expect(active.body.conversations.map((c: any) => c.id)).toEqual(["conv-b3"]);
    const ended = await h.api("GET", `/v1/conversations?status=ended&call_id=${callA}`);
    expect(ended.body.conversations.map((c: any) => c.id)).toEqual(["conv-talked", "conv-nul"]);
    expect(ended.body.next_cursor).toBeNull();
  });

  test("404 for a conversation that does not exist; 422 for an id, a query or a cursor that is not ours", async () => {
    const missing = await h.api("GET", "/v1/conversations/no-such-conversation");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");

    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const cases: Array<[string, string]> = [
      ["/v1/conversations?cursor=%25%25%25", "cursor"],
      ["/v1/conversations?cursor=bm90LWpzb24", "cursor"], // base64url of "not-json"
      [`/v1/conversations?cursor=${b64([-5, "x"])}`, "cursor"],
      [`/v1/conversations?cursor=${b64([8.64e15, "x"])}`, "cursor"],
      [`/v1/conversations?cursor=${b64([0, "a b"])}`, "cursor"],
      ["/v1/conversations?status=ringing", "status"],
      ["/v1/conversations?limit=0", "limit"],
      ["/v1/conversations?limit=501", "limit"],
      ["/v1/conversations?direction=inbound", "direction"],
      ["/v1/conversations?call_id=a%00b", "call_id"],
    ];
    for (const [path, field] of cases) {
      const res = await h.api("GET", path);
      expect({ path, status: res.status }).toEqual({ path, status: 422 });
      expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
    }
    const badId = await h.api("GET", "/v1/conversations/has%20space");
    expect(badId.status).toBe(422);
  });

  test("a call shows its conversation's id, in the list and alone", async () => {
    const one = await h.api("GET", `/v1/calls/${callB}`);
    expect(one.status).toBe(200);
    expect(one.body.conversation_id).toBe("conv-b3");
    const list = await h.api("GET", "/v1/calls?limit=500");
    const byId = new Map(list.body.calls.map((c: any) => [c.id, c.conversation_id]));
    expect(byId.get(callA)).toBe("conv-talked");
    expect(byId.get(callB)).toBe("conv-b3");
  });

  test("the OpenAPI document lists the conversations routes with their query", async () => {
    const res = await fetch(`${h.sb.url}/docs/json`);
    expect(res.status).toBe(200);
    const doc: any = await res.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/conversations", "/v1/conversations/{id}"]));
    const params = doc.paths["/v1/conversations"].get.parameters.map((p: any) => p.name);
    expect(params).toEqual(["status", "call_id", "limit", "cursor"]);
  });
});

describe("POST /v1/calls with a conversation: the edge", () => {
  const place = (conversation: unknown, extra: Record<string, unknown> = {}) =>
    h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111", timeout_s: 2, conversation, ...extra });

  test("each bad conversation is a 422 naming its field", async () => {
    const cases: Array<[unknown, string, Record<string, unknown>?]> = [
      [{ system_prompt: "Be nice.", speed: 2 }, "conversation.speed"],
      [{ system_prompt: "x".repeat(16 * 1024 + 1) }, "conversation.system_prompt"],
      // 16 KB counted in bytes of UTF-8: 5462 three-byte characters are 16386 bytes.
      [{ system_prompt: "€".repeat(5462) }, "conversation.system_prompt"],
      [{ system_prompt: "Be nice.\u0000" }, "conversation.system_prompt"],
      [{ system_prompt: "   " }, "conversation.system_prompt"],
      [{ first_message: "Hello" }, "conversation.system_prompt"],
      [{ system_prompt: "Be nice.", first_message: "Hi\u0000" }, "conversation.first_message"],
      [{ system_prompt: "Be nice.", first_message: "Hi \ud800" }, "conversation.first_message"],
      [{ system_prompt: "Be nice.", first_message: "y".repeat(2049) }, "conversation.first_message"],
      [{ system_prompt: "Be nice.", first_message: "line one\nline two" }, "conversation.first_message"],
      [{ system_prompt: "Be nice.", voice: { engine: "polly", voice: "Joanna" } }, "conversation.voice.engine"],
      [{ system_prompt: "Be nice.", voice: { engine: "flite", voice: "joanna" } }, "conversation.voice.voice"],
      [{ system_prompt: "Be nice.", voice: { engine: "openai", voice: "nova", speed: 1 } }, "conversation.voice.speed"],
      [{ system_prompt: "Be nice.", temperature: 2.5 }, "conversation.temperature"],
      [{ system_prompt: "Be nice.", model: "gpt 4o; drop" }, "conversation.model"],
      [{ system_prompt: "Be nice.", tools: [] }, "conversation.tools"],
      ["Be nice.", "conversation"],
      [{ system_prompt: "Be nice." }, "conversation", { first_action: { type: "say", text: "hi" } }],
    ];
    for (const [conversation, field, extra] of cases) {
      const res = await place(conversation, extra);
      expect({ field, status: res.status }).toEqual({ field, status: 422 });
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
      noPrompt(res.body);
    }
  });

  test("the limits are inclusive: a 16 KB prompt and a 2 KB first message pass the edge (dry run: nothing dialled, no conversation)", async () => {
    const res = await place(
      { system_prompt: `SECRET-PROMPT ${"p".repeat(16 * 1024 - 14)}`, first_message: "f".repeat(2048), voice: { engine: "openai", voice: "nova" }, model: "gpt-4o-mini", temperature: 0 },
      { dry_run: true },
    );
    expect(res.status).toBe(201);
    expect(res.body.conversation_id).toBeNull();
    expect(res.body.dry_run).toBe(true);
    noPrompt(res.body);
  });
});

/** A stand-in for the runtime's ConversationApi (runtime/conversation-api.ts), recording what the route asks. */
function fakeConversations(opts: { refuse?: { status: number; code: string; message: string } } = {}) {
  const started: Array<{ callId: string; spec: ConversationSpec; id: string }> = [];
  const asked: string[] = [];
  const view = (id: string, callId: string): ConversationView => ({
    id,
    callId,
    direction: "outbound",
    state: "live.listening",
    live: true,
    createdAt: Date.now(),
    endedAt: null,
    context: context(id, callId, {
      transcript: [{ who: "bot", text: "Hello, Elm Street Dental.", startedAt: 100, endedAt: 900, interrupted: false }],
    }),
    clock,
  });
  const api: ConversationsApi = {
    startConversation(callId, spec) {
      asked.push(callId);
      if (opts.refuse) throw Object.assign(new Error(opts.refuse.message), { status: opts.refuse.status, code: opts.refuse.code });
      const id = randomUUID();
      started.push({ callId, spec, id });
      return view(id, callId);
    },
    conversationView: (id) => {
      const s = started.find((x) => x.id === id);
      return s ? view(s.id, s.callId) : null;
    },
    conversationOfCall: (callId) => {
      const s = started.find((x) => x.callId === callId);
      return s ? view(s.id, s.callId) : null;
    },
  };
  return { api, started, asked };
}

/** The app as main.ts builds it, on the harness's runtime, with `conversations` given. */
function appWith(conversations: ConversationsApi | undefined) {
  const app = createApp({
    host: h.sb.host,
    runtime: h.sb.runtime,
    database: h.sb.database,
    link: h.sb.link,
    metrics: createRuntimeMetrics(),
    keys: { verify: async (key) => key === TEST_API_KEY },
    dialGateway: "carrier",
    journal: h.sb.journal,
    conversations,
  }).listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${app.server!.port}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { api, stop: () => app.stop() };
}

describe("POST /v1/calls with a conversation: the route's side of the runtime contract (stand-in ConversationApi)", () => {
  const good = {
    system_prompt: PROMPT,
    first_message: "Hello, Elm Street Dental.",
    voice: { engine: "openai", voice: "nova" },
    model: "gpt-4o-mini",
    temperature: 0.3,
  };

  test("201: the conversation is handed to the runtime for the call just placed, and every answer names it", async () => {
    const fake = fakeConversations();
    const app = appWith(fake.api);
    try {
      const res = await app.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111", timeout_s: 2, conversation: good });
      expect(res.status).toBe(201);
      noPrompt(res.body);
      expect(fake.started).toHaveLength(1);
      const [start] = fake.started;
      expect(start!.callId).toBe(res.body.id);
      expect(start!.spec).toEqual({
        systemPrompt: PROMPT,
        firstMessage: "Hello, Elm Street Dental.",
        voice: { engine: "openai", voice: "nova" },
        model: "gpt-4o-mini",
        temperature: 0.3,
      });
      expect(res.body.conversation_id).toBe(start!.id);

      const call = await app.api("GET", `/v1/calls/${res.body.id}`);
      expect(call.body.conversation_id).toBe(start!.id);
      const conv = await app.api("GET", `/v1/conversations/${start!.id}`);
      expect(conv.status).toBe(200);
      noPrompt(conv.body);
      expect(conv.body).toMatchObject({
        id: start!.id,
        call_id: res.body.id,
        direction: "outbound",
        status: "active",
        state: "live.listening",
        live: true,
        transcript: [{ who: "bot", text: "Hello, Elm Street Dental.", interrupted: false }],
      });
      const hangup = await app.api("DELETE", `/v1/calls/${res.body.id}`);
      expect(hangup.status).toBe(202);
      expect(hangup.body.conversation_id).toBe(start!.id);
    } finally {
      await app.stop();
    }
  });

  test("the runtime refuses: its status and code are the answer, and the call just placed is cancelled", async () => {
    const fake = fakeConversations({ refuse: { status: 503, code: "shutting_down", message: "the runtime is shutting down" } });
    const app = appWith(fake.api);
    try {
      const res = await app.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111", timeout_s: 2, conversation: good });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: "shutting_down", message: "the runtime is shutting down" });
      noPrompt(res.body);
      expect(fake.asked).toHaveLength(1);
      const cancelled = await h.waitForCall(fake.asked[0]!, (c) => c.status === "canceled");
      expect(cancelled).toMatchObject({ hangup_by: "api", conversation_id: null });
    } finally {
      await app.stop();
    }
  });

  test("a runtime without conversations answers 503 and places no call", async () => {
    const app = appWith(undefined);
    try {
      const before = (await h.api("GET", "/v1/calls?limit=500")).body.calls.length;
      const res = await app.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111", conversation: { system_prompt: PROMPT } });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("conversations_unavailable");
      noPrompt(res.body);
      expect((await h.api("GET", "/v1/calls?limit=500")).body.calls.length).toBe(before);
    } finally {
      await app.stop();
    }
  });
});

// ─── against the real runtime ────────────────────────────────────────────────

describe("POST /v1/calls with a conversation: the real runtime", () => {
  // End to end: main.ts passes the runtime's ConversationRuntime to createApp as `conversations`, and the
  // conversation kind stores through `conversationSink(journal)` (runtime/conversation-record.ts).
  test(
    "201 with conversation_id; the call and GET /v1/conversations/:id show it live, greeting said, prompt never shown",
    async () => {
      const res = await h.api("POST", "/v1/calls", {
        to: "+15551230000",
        from: "+15550001111",
        conversation: { system_prompt: PROMPT, first_message: "Hello, Elm Street Dental.", voice: { engine: "flite", voice: "kal" } },
      });
      expect(res.status).toBe(201);
      noPrompt(res.body);
      const conversationId = res.body.conversation_id;
      expect(typeof conversationId).toBe("string");
      const call = await h.waitForCall(res.body.id, (c) => c.status === "in-progress");
      expect(call.conversation_id).toBe(conversationId);
      const conv = await until("the bot's first words in the live view", async () => {
        const r = await h.api("GET", `/v1/conversations/${conversationId}`);
        return r.status === 200 && r.body.transcript.some((e: any) => e.who === "bot") ? r : null;
      }, 10_000, 50);
      expect(conv.status).toBe(200);
      noPrompt(conv.body);
      expect(conv.body).toMatchObject({ id: conversationId, call_id: res.body.id, status: "active", live: true });
      expect(conv.body.state).toEqual(expect.any(String));
      expect(conv.body.transcript[0]).toMatchObject({ who: "bot", text: "Hello, Elm Street Dental." });
      await h.api("DELETE", `/v1/calls/${res.body.id}`);
      const ended = await h.waitForCall(res.body.id, (c) => c.status === "completed");
      expect(ended.conversation_id).toBe(conversationId);
      // Stored through the runtime's sink: the list reads the table (an ended row is not overlaid).
      const stored = await until("the ended conversation in the list", async () => {
        const row = (await h.api("GET", `/v1/conversations?call_id=${res.body.id}`)).body.conversations?.[0];
        return row?.status === "ended" ? row : null;
      }, 10_000, 50);
      expect(stored).toMatchObject({ id: conversationId, call_id: res.body.id, direction: "outbound", status: "ended", live: false });
      expect(stored.outcome).toEqual(expect.any(String));
      expect(stored.transcript[0]).toMatchObject({ who: "bot", text: "Hello, Elm Street Dental." });
      noPrompt(stored);
    },
  );
});

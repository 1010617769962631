/**
 * The conversation row is a pure projection of the machine's context:
 * monotonic marks become wall-clock times by one offset, latencies come from
 * the marks themselves, and the status follows the actor's end. One context
 * comes from a real run of the machine (with fakes), so the mapping is checked
 * against what the machine actually records.
 */
import { describe, expect, test } from "bun:test";
import { initialContext } from "../../machines/conversation-setup.ts";
import type { ConversationContext } from "../../machines/conversation-types.ts";
import type { NewConversation } from "../../src/db/schema.ts";
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import { conversationRecord, conversationSink, recordOfView } from "../../src/runtime/conversation-record.ts";
import { startConversation } from "./conversation-fakes.ts";

const PROMPT = "You are the receptionist of Elm Street Dental. Never reveal the door code 4711.";
/** Epoch ms of monotonic 0 in these tests. */
const ORIGIN = Date.UTC(2026, 10, 26, 9, 0, 0);
const iso = (monotonic: number) => new Date(ORIGIN + monotonic).toISOString();

function context(patch: Partial<ConversationContext> = {}): ConversationContext {
  return {
    ...initialContext({
      conversationId: "conv-1",
      callId: "call-1",
      systemPrompt: PROMPT,
      firstMessage: "Hello, Elm Street Dental.",
      voice: { engine: "openai", voice: "nova", model: "tts-1" },
      model: "gpt-4o-mini",
      temperature: 0.4,
    }),
    ...patch,
  };
}

const clock = { epochMsOf: (ms: number | null) => (ms === null ? null : ORIGIN + ms) };
const base = { direction: "outbound" as const, startedAt: ORIGIN + 5, clock, now: ORIGIN + 60_000 };

describe("conversationRecord", () => {
  test("a conversation just started: active, its settings, empty records, the prompt kept for the row only", () => {
    const row = conversationRecord({ ...base, context: context(), done: false });
    expect(row).toEqual({
      id: "conv-1",
      callId: "call-1",
      direction: "outbound",
      status: "active",
      outcome: null,
      endCause: null,
      model: "gpt-4o-mini",
      voice: { engine: "openai", voice: "nova", model: "tts-1" },
      firstMessage: "Hello, Elm Street Dental.",
      systemPrompt: PROMPT,
      transcript: [],
      turns: [],
      toolCalls: [],
      usage: { promptTokens: 0, completionTokens: 0, llmRequests: 0, ttsRequests: 0, ttsCharacters: 0 },
      startedAt: new Date(ORIGIN + 5),
      endedAt: null,
      updatedAt: new Date(ORIGIN + 60_000),
    });
    // No snapshot given: the column is left as stored.
    expect("snapshot" in row).toBe(false);
    expect(conversationRecord({ ...base, context: context(), done: false, persisted: { value: "x" } }).snapshot).toEqual({ value: "x" });
  });

  test("marks become wall-clock times; latencies come from the monotonic marks, to the microsecond", () => {
    const marks = {
      endOfSpeech: 1000.25,
      finalTranscript: 1300.5,
      llmFirstToken: 1700.125,
      firstSentence: 1710,
      ttsCommand: 1860,
      playbackStarted: 1900.0004,
    };
    const ctx = context({
      transcript: [
        { who: "bot", text: "Hello, Elm Street Dental.", startedAt: 100, endedAt: 900, interrupted: false },
        { who: "caller", text: "what are your hours", startedAt: 400, endedAt: 1000.25, interrupted: false, via: "speech" },
        { who: "bot", text: "We are open", startedAt: 1900, endedAt: 2500, interrupted: true },
        { who: "bot", text: "One moment.", startedAt: null, endedAt: null, interrupted: false },
      ],
      turns: [
        {
          index: 1,
          callerText: "what are your hours",
          marks,
          // The machine fills latencies when the turn completes; the row recomputes them from the marks.
          latencies: {
            endOfSpeechToFinalMs: null,
            finalToFirstTokenMs: null,
            firstTokenToFirstSentenceMs: null,
            firstSentenceToTtsCommandMs: null,
            ttsCommandToPlaybackMs: null,
            finalToTtsCommandMs: null,
            voiceToVoiceMs: null,
          },
          interrupted: true,
          llmRequests: 2,
          toolCallIds: ["call_1"],
        },
      ],
      toolCalls: [
        {
          id: "call_1",
          name: "check_hours",
          arguments: '{"day":"monday"}',
          outcome: "ok",
          result: "9 to 5",
          error: null,
          startedAt: 1720,
          endedAt: 1750.5,
          durationMs: 30.5,
          turn: 1,
        },
      ],
      usage: { promptTokens: 120, completionTokens: 30, llmRequests: 2, ttsRequests: 3, ttsCharacters: 60 },
    });
    const row = conversationRecord({ ...base, context: ctx, done: false });
    expect(row.transcript).toEqual([
      { who: "bot", text: "Hello, Elm Street Dental.", startedAt: iso(100), endedAt: iso(900), interrupted: false },
      { who: "caller", text: "what are your hours", startedAt: iso(400), endedAt: iso(1000.25), interrupted: false, via: "speech" },
      { who: "bot", text: "We are open", startedAt: iso(1900), endedAt: iso(2500), interrupted: true },
      { who: "bot", text: "One moment.", startedAt: null, endedAt: null, interrupted: false },
    ]);
    expect(row.turns).toEqual([
      {
        index: 1,
        callerText: "what are your hours",
        interrupted: true,
        llmRequests: 2,
        toolCallIds: ["call_1"],
        marks: {
          endOfSpeech: iso(1000.25),
          finalTranscript: iso(1300.5),
          llmFirstToken: iso(1700.125),
          firstSentence: iso(1710),
          ttsCommand: iso(1860),
          playbackStarted: iso(1900.0004),
        },
        latencyMs: {
          endOfSpeechToFinal: 300.25,
          finalToFirstToken: 399.625,
          firstTokenToFirstSentence: 9.875,
          firstSentenceToTtsCommand: 150,
          finalToTtsCommand: 559.5,
          ttsCommandToPlayback: 40,
          voiceToVoice: 899.75,
        },
      },
    ]);
    expect(row.toolCalls).toEqual([
      {
        id: "call_1",
        name: "check_hours",
        arguments: '{"day":"monday"}',
        outcome: "ok",
        result: "9 to 5",
        error: null,
        startedAt: iso(1720),
        endedAt: iso(1750.5),
        durationMs: 30.5,
        turn: 1,
      },
    ]);
    expect(row.usage).toEqual({ promptTokens: 120, completionTokens: 30, llmRequests: 2, ttsRequests: 3, ttsCharacters: 60 });
  });

  test("a turn still being answered has the latencies of the steps done so far, null for the rest", () => {
    const ctx = context({
      turns: [
        {
          index: 1,
          callerText: "hi",
          marks: { endOfSpeech: null, finalTranscript: 500, llmFirstToken: 900, firstSentence: null, ttsCommand: null, playbackStarted: null },
          latencies: {} as never,
          interrupted: false,
          llmRequests: 1,
          toolCallIds: [],
        },
      ],
    });
    const [turn] = conversationRecord({ ...base, context: ctx, done: false }).turns!;
    expect(turn!.latencyMs).toEqual({
      endOfSpeechToFinal: null,
      finalToFirstToken: 400,
      firstTokenToFirstSentence: null,
      firstSentenceToTtsCommand: null,
      finalToTtsCommand: null,
      ttsCommandToPlayback: null,
      voiceToVoice: null,
    });
    expect(turn!.marks.endOfSpeech).toBeNull();
  });

  test("ended: the machine's end time on the wall clock, its outcome and the call's cause", () => {
    const ctx = context({ outcome: "caller_hung_up", endCause: "NORMAL_CLEARING", endedAt: 42_000 });
    const row = conversationRecord({ ...base, context: ctx, done: true, persisted: null });
    expect(row).toMatchObject({ status: "ended", outcome: "caller_hung_up", endCause: "NORMAL_CLEARING", snapshot: null });
    expect(row.endedAt).toEqual(new Date(ORIGIN + 42_000));
  });

  test("done without an end time (e.g. after a transfer the call never confirmed): ended now", () => {
    const row = conversationRecord({ ...base, context: context({ outcome: "transferred" }), done: true });
    expect(row.status).toBe("ended");
    expect(row.endedAt).toEqual(new Date(base.now));
    // A context with an end time is ended even before the actor's final state.
    expect(conversationRecord({ ...base, context: context({ endedAt: 10 }), done: false }).status).toBe("ended");
  });

  test("a flite voice without a model; no first message", () => {
    const ctx = { ...context(), voice: { engine: "flite", voice: "kal" }, firstMessage: null };
    const row = conversationRecord({ ...base, context: ctx, done: false });
    expect(row.voice).toEqual({ engine: "flite", voice: "kal" });
    expect(row.firstMessage).toBeNull();
  });

  test("from a real run of the machine: the greeting, a caller turn and the reply, with the turn's latencies", async () => {
    const h = startConversation({ input: { firstMessage: "Hello, Elm Street Dental.", systemPrompt: PROMPT } });
    await h.answer();
    await h.playAll();
    const t0 = h.now;
    await h.say("what are your hours", { speechEndedAt: t0 - 300 });
    await h.advance(400);
    await h.llmText("We are open nine to five. ");
    await h.advance(50);
    await h.playbackStarted(h.lastSay().id);
    await h.llmFinish();
    await h.advance(1000);
    await h.playbackStopped(h.lastSay().id);

    const row = conversationRecord({ ...base, context: h.ctx(), done: h.actor.getSnapshot().status === "done" });
    expect(row.status).toBe("active");
    expect(row.systemPrompt).toBe(PROMPT);
    expect(row.transcript!.map((e) => [e.who, e.text, e.interrupted])).toEqual([
      ["bot", "Hello, Elm Street Dental.", false],
      ["caller", "what are your hours", false],
      ["bot", "We are open nine to five.", false],
    ]);
    expect(row.transcript![1]!.endedAt).toBe(iso(t0 - 300));
    expect(row.turns).toHaveLength(1);
    expect(row.turns![0]!.latencyMs).toEqual({
      endOfSpeechToFinal: 300,
      finalToFirstToken: 400,
      firstTokenToFirstSentence: 0,
      firstSentenceToTtsCommand: 0,
      finalToTtsCommand: 400,
      ttsCommandToPlayback: 50,
      voiceToVoice: 750,
    });
    expect(row.turns![0]!.marks.playbackStarted).toBe(iso(t0 + 450));
    expect(row.usage).toMatchObject({ promptTokens: 100, completionTokens: 20, llmRequests: 1 });
  });
});

describe("the runtime's view as a row", () => {
  const view = (patch: Partial<ConversationView> = {}): ConversationView => ({
    id: "conv-1",
    callId: "call-1",
    direction: "inbound",
    state: "live.listening",
    live: true,
    createdAt: ORIGIN + 5,
    endedAt: null,
    context: context(),
    clock,
    ...patch,
  });

  test("recordOfView: the call's direction, started when the runtime started it, active while live, ended at the runtime's end time", () => {
    const live = recordOfView(view(), ORIGIN + 1000);
    expect(live).toMatchObject({ id: "conv-1", callId: "call-1", direction: "inbound", status: "active", startedAt: new Date(ORIGIN + 5), endedAt: null });
    expect(live.updatedAt).toEqual(new Date(ORIGIN + 1000));
    const ended = recordOfView(view({ live: false, endedAt: ORIGIN + 9000, context: context({ endedAt: 8000 }) }), ORIGIN + 9500);
    expect(ended).toMatchObject({ status: "ended", endedAt: new Date(ORIGIN + 9000) });
  });

  test("conversationSink upserts each view through the journal", () => {
    const rows: NewConversation[] = [];
    const sink = conversationSink({ upsertConversation: (r) => rows.push(r) }, () => ORIGIN + 7);
    sink.upsert(view());
    sink.upsert(view({ live: false, endedAt: ORIGIN + 100 }));
    expect(rows.map((r) => [r.id, r.status, r.direction, r.updatedAt])).toEqual([
      ["conv-1", "active", "inbound", new Date(ORIGIN + 7)],
      ["conv-1", "ended", "inbound", new Date(ORIGIN + 7)],
    ]);
    expect(rows[1]!.endedAt).toEqual(new Date(ORIGIN + 100));
    expect(rows[1]!.systemPrompt).toBe(PROMPT);
  });
});

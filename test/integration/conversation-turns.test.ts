/**
 * How a conversation takes turns with a caller, end to end on the embedded
 * default (ESL, mod_audio_stream's WebSocket, Deepgram's and OpenAI's
 * protocols against their simulators): an inbound call that runs the
 * configured conversation, a caller who cuts the bot off, a caller who says
 * nothing. Real-time pace (timeScale 1) where a barge-in races the bot's speech.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { listEvents } from "../../src/db/queries/call-events.ts";
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const PROMPT = [
  "You are the receptionist of Harbour Dental.",
  "Opening hours: Monday to Friday, 9 am to 5 pm, and Saturday from 9 am to noon, except on public holidays when we are closed all day.",
  "Address: 12 Harbour Street, next to the library.",
].join("\n");

function harnessFor(h: () => Harness) {
  const ended = (id: string, timeoutMs = 30_000): Promise<ConversationView> => {
    let view: ConversationView | null | undefined;
    return until(
      () => `conversation ${id} to end; state ${view?.state}, transcript ${JSON.stringify(view?.context.transcript)}`,
      () => ((view = h().sb.conversations.conversationView(id)) && !view.live ? view : null),
      timeoutMs,
      50,
    );
  };
  const journal = async (id: string) => {
    await h().sb.journal.flush();
    return listEvents(h().sb.database.db, id);
  };
  const place = (to: string) => {
    const callId = randomUUID();
    h().sb.runtime.place({ callId, to, dialString: `sofia/gateway/carrier/${to}`, from: "+15550001111", timeoutSec: 30, dryRun: false });
    return callId;
  };
  return { ended, until, journal, place };
}

describe("an inbound call runs the configured conversation", () => {
  let h: Harness;
  const t = harnessFor(() => h);
  beforeAll(async () => {
    h = await startHarness({
      db: "pglite",
      timeScale: 0.2,
      env: { INBOUND_CONVERSATION_PROMPT: PROMPT, INBOUND_CONVERSATION_FIRST_MESSAGE: "Harbour Dental, good morning." },
      scenario: {
        name: "inbound conversation",
        callers: [
          {
            match: { prefix: "5500" },
            turns: [
              { afterBotMs: 400, say: "What is your address?" },
              { afterBotMs: 600, hangup: true },
            ],
          },
        ],
      },
      start: { openai: { timeToFirstTokenMs: 100, tokensPerSecond: 200 } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("answered, greeted with the first message, the caller's question answered; the call and the conversation end together", async () => {
    const callId = await h.sim.placeInboundCall({ from: "+15557654321", to: "5500", socket: { host: "127.0.0.1", port: h.sb.outboundSocketPort } });
    const started = await t.until("the conversation", () => h.sb.conversations.conversationOfCall(callId) ?? h.sb.conversations.liveConversations().find((c) => c.callId === callId), 20_000);
    expect(started.direction).toBe("inbound");
    const view = await t.ended(started.id);
    expect(view.context.outcome).toBe("caller_hung_up");
    expect(view.context.transcript.map((e) => [e.who, e.text])).toEqual([
      ["bot", "Harbour Dental, good morning."],
      ["caller", expect.stringMatching(/^what is your address\??$/i)],
      ["bot", expect.stringMatching(/12 Harbour Street/)],
    ]);
    const call = await h.waitForCall(callId, (c) => c.status === "completed");
    const commands = call.events.filter((e: any) => e.kind === "command").map((e: any) => e.name);
    // Answered by the runtime (no greeting script), the caller's audio streamed, the bot speaking.
    expect(commands.slice(0, 5)).toEqual(["answer", "set_variable", "set_variable", "audio_stream", "speak"]);
    expect(JSON.stringify(call.events)).not.toMatch(/token=(?!\*\*\*)/);

    const rows = await t.journal(started.id);
    // The machine's own entries end with CONVERSATION_ENDED; the post-call analysis journals after it.
    const names = rows.filter((r) => r.kind !== "transition" && !r.name.startsWith("ANALYSIS_")).map((r) => r.name);
    expect(names).toContain("TURN_COMPLETED");
    expect(names.at(-1)).toBe("CONVERSATION_ENDED");
    expect(rows.find((r) => r.name === "CONVERSATION_ENDED")!.data).toEqual({ outcome: "caller_hung_up", cause: "NORMAL_CLEARING" });
    const turn = rows.find((r) => r.name === "TURN_COMPLETED")!.data as { latencies: Record<string, number | null> };
    expect(turn.latencies.voiceToVoiceMs).toBeGreaterThan(0);
    // One seq per row, in order.
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  }, 40_000);
});

describe("barge-in and silence (real-time pace)", () => {
  let h: Harness;
  const t = harnessFor(() => h);
  beforeAll(async () => {
    h = await startHarness({
      db: "pglite",
      timeScale: 1,
      scenario: {
        name: "barge-in and silence",
        timing: { speakMsPerChar: 60 },
        callees: [
          {
            name: "cuts in",
            match: { prefix: "7101" },
            outcome: "answer",
            ringMs: 100,
            turns: [
              { afterBotMs: 300, say: "What are your opening hours?" },
              // Well into the bot's long answer: the caller talks over it.
              { bargeInMs: 1200, say: "Sorry, what is your address?" },
              { afterBotMs: 500, hangup: true },
            ],
          },
          { name: "says nothing", match: { prefix: "7102" }, outcome: "answer", ringMs: 100, turns: [{ silent: true }] },
        ],
      },
      start: {
        openai: { timeToFirstTokenMs: 100, tokensPerSecond: 200 },
        conversationSettings: { silenceRepromptMs: 1200 },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("a caller who barges in is heard: the bot stops, its cut sentence is recorded interrupted, the caller is answered", async () => {
    const callId = t.place("71015550100");
    const { id } = h.sb.conversations.startConversation(callId, { systemPrompt: PROMPT, firstMessage: "Harbour Dental." });
    const view = await t.ended(id);
    const transcript = view.context.transcript;
    expect(transcript.map((e) => e.who)).toEqual(["bot", "caller", "bot", "caller", "bot"]);
    const [, , cut, barged, answer] = transcript;
    expect(cut!.interrupted).toBe(true);
    // What the caller heard of it: a beginning of the answer, not all of it.
    expect(cut!.text.length).toBeGreaterThan(0);
    expect(cut!.text.length).toBeLessThan(60);
    expect("Opening hours: Monday to Friday, 9 am to 5 pm, and Saturday from 9 am to noon".toLowerCase().startsWith(cut!.text.toLowerCase().replace(/\.$/, ""))).toBe(true);
    expect(barged!.text).toMatch(/what is your address/i);
    expect(answer!.text).toMatch(/12 Harbour Street/);
    expect(answer!.interrupted).toBe(false);
    expect(view.context.turns[0]!.interrupted).toBe(true);
    // The model's history holds only what was heard.
    const assistant = view.context.messages.filter((m) => m.role === "assistant").map((m) => m.content);
    expect(assistant[1]).toBe(cut!.text);

    // The switch stopped speaking when the caller cut in.
    const bot = h.sim.botSpeech(callId);
    expect(bot[1]!.interrupted).toBe(true);
    expect(bot[1]!.text).toMatch(/^Opening hours/);

    const rows = await t.journal(id);
    expect(rows.find((r) => r.name === "BARGE_IN")?.data).toMatchObject({ turn: 1 });
    const call = await h.waitForCall(callId, (c) => c.status === "completed");
    expect(call.events.some((e: any) => e.kind === "command" && e.name === "break")).toBe(true);
  }, 40_000);

  test("a caller who says nothing gets two reprompts and a goodbye, then the call is hung up", async () => {
    const callId = t.place("71025550100");
    const { id } = h.sb.conversations.startConversation(callId, { systemPrompt: PROMPT, firstMessage: "Hello?" });
    const view = await t.ended(id);
    expect(view.context.outcome).toBe("silence");
    expect(view.context.transcript.map((e) => e.text)).toEqual([
      "Hello?",
      "Are you still there?",
      "Are you still there?",
      "I haven't heard anything for a while, so I'll hang up now. Goodbye!",
    ]);
    expect(view.context.transcript.every((e) => e.who === "bot")).toBe(true);
    const call = await h.waitForCall(callId, (c) => c.status === "completed");
    expect(call.hangup_by).toBe("api");
    const rows = await t.journal(id);
    expect(rows.filter((r) => r.name === "REPROMPT").map((r) => r.data)).toEqual([{ count: 1 }, { count: 2 }]);
    expect(rows.filter((r) => r.kind !== "transition" && !r.name.startsWith("ANALYSIS_")).at(-1)).toMatchObject({ name: "CONVERSATION_ENDED", data: { outcome: "silence" } });
  }, 40_000);
});

/**
 * Conversations end to end on the embedded default, over the real wires: the
 * call over ESL (the switch simulator), the caller's audio over
 * mod_audio_stream's WebSocket into the media server, Deepgram's live
 * protocol (the simulated Deepgram transcribes that audio), the OpenAI chat
 * protocol (the simulated, rule-based responder) — the same adapters as with
 * the real services. The simulated far end is reactive: it speaks when the
 * bot has stopped speaking.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import { spokenText } from "../../src/sim/openai/index.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const PROMPT = [
  "You are the receptionist of Harbour Dental.",
  "Opening hours: Monday to Friday, 9 am to 5 pm.",
  "Address: 12 Harbour Street, next to the library.",
].join("\n");

describe("a conversation on an outbound call", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      db: "pglite",
      timeScale: 0.2,
      scenario: {
        name: "conversations",
        callees: [
          {
            name: "three turns",
            match: { prefix: "7001" },
            outcome: "answer",
            ringMs: 200,
            turns: [
              { afterBotMs: 400, say: "Hi, what are your opening hours?" },
              { afterBotMs: 400, say: "And what is your address?" },
              { afterBotMs: 400, say: "Thank you, goodbye." },
              { afterBotMs: 1500, hangup: true },
            ],
          },
        ],
        defaultCallee: { outcome: "answer", ringMs: 200 },
      },
      start: { openai: { timeToFirstTokenMs: 150, tokensPerSecond: 200 } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const place = (to: string) => {
    const callId = randomUUID();
    h.sb.runtime.place({ callId, to, dialString: `sofia/gateway/carrier/${to}`, from: "+15550001111", timeoutSec: 30, dryRun: false });
    return callId;
  };

  const ended = (id: string, timeoutMs = 25_000): Promise<ConversationView> => {
    let view: ConversationView | null | undefined;
    return until(
      () => `conversation ${id} to end; state ${view?.state}, transcript ${JSON.stringify(view?.context.transcript)}`,
      () => ((view = h.sb.conversations.conversationView(id)) && !view.live ? view : null),
      timeoutMs,
      50,
    );
  };

  test("a simulated caller holds a three-turn conversation: both sides in order, every turn measured", async () => {
    const callId = place("70015550100");
    const started = h.sb.conversations.startConversation(callId, { systemPrompt: PROMPT, firstMessage: "Hello, Harbour Dental, how can I help?" });
    expect(started).toMatchObject({ callId, direction: "outbound", live: true, state: "waiting_for_answer" });
    expect(h.sb.host.inspect(callId)!.children).toEqual([started.id]);

    const view = await ended(started.id);
    const { context } = view;
    expect(context.outcome).toBe("caller_hung_up");

    // Both sides, in order: the greeting, then each caller turn and its answer.
    const said = context.transcript.map((e) => `${e.who}: ${e.text}`);
    expect(context.transcript.map((e) => e.who)).toEqual(["bot", "caller", "bot", "caller", "bot", "caller", "bot"]);
    expect(said[0]).toBe("bot: Hello, Harbour Dental, how can I help?");
    expect(said[1]).toMatch(/^caller: hi,? what are your opening hours\??$/i);
    expect(said[2]).toMatch(/monday to friday/i);
    expect(said[3]).toMatch(/^caller: and what is your address\??$/i);
    expect(said[4]).toMatch(/harbour street/i);
    expect(said[5]).toMatch(/^caller: thank you,? goodbye\.?$/i);
    expect(context.transcript.every((e) => !e.interrupted)).toBe(true);
    for (const e of context.transcript) {
      expect(e.startedAt).not.toBeNull();
      expect(e.endedAt!).toBeGreaterThanOrEqual(e.startedAt!);
    }

    // Every turn measured on one clock.
    expect(context.turns).toHaveLength(3);
    for (const turn of context.turns) {
      const l = turn.latencies;
      expect(l.endOfSpeechToFinalMs).not.toBeNull();
      expect(l.finalToFirstTokenMs).not.toBeNull();
      expect(l.finalToTtsCommandMs).not.toBeNull();
      expect(l.ttsCommandToPlaybackMs).not.toBeNull();
      expect(l.voiceToVoiceMs).not.toBeNull();
      // The simulated model's first token comes after its 150 ms; the recogniser's final after its endpointing.
      expect(l.finalToFirstTokenMs!).toBeGreaterThanOrEqual(100);
      expect(l.voiceToVoiceMs!).toBeGreaterThan(l.finalToFirstTokenMs!);
    }
    expect(context.usage.llmRequests).toBe(3);
    expect(context.usage.completionTokens).toBeGreaterThan(0);

    // The far end heard the same conversation (what the switch played to it).
    const heard = h.sim.botSpeech(callId).map((l) => l.text);
    expect(heard[0]).toBe("Hello, Harbour Dental, how can I help?");
    expect(heard.join(" ")).toMatch(/harbour street/i);

    // The journal: the conversation's commands through the call and its notices, with latencies.
    await h.sb.journal.flush();
    const metrics = await (await fetch(`${h.sb.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_turn_voice_to_voice_seconds_count [1-9]/);
    expect(metrics).toMatch(/switchboard_media_streams_total\{result="accepted"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_llm_tokens_total\{kind="completion"\} [1-9]/);
  }, 40_000);

  test("a conversation cannot outlive the runtime: on shutdown its call is hung up and it is stored ended", async () => {
    const callId = place("15551230000");
    const { id } = h.sb.conversations.startConversation(callId, { systemPrompt: PROMPT, firstMessage: "Hello." });
    await until("the conversation to listen", () => h.sb.conversations.conversationView(id)?.state === "live.listening", 10_000, 20);
    await h.restart();
    const stored = await h.api("GET", `/v1/conversations/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ id, call_id: callId, status: "ended", outcome: "error", end_cause: "the runtime is shutting down" });
    expect(stored.body.transcript[0]).toMatchObject({ who: "bot", text: "Hello." });
    const call = await h.waitForCall(callId, (c) => c.status === "completed");
    expect(call.events.some((e: any) => e.kind === "command" && e.name === "hangup")).toBe(true);
  }, 40_000);
});

describe("a conversation that speaks with OpenAI TTS", () => {
  let h: Harness;
  // The switch plays the rendered files by path: the simulated switch shares this directory, as a real one must.
  const cacheDir = mkdtempSync(join(tmpdir(), "switchboard-tts-"));
  beforeAll(async () => {
    h = await startHarness({
      db: "pglite",
      timeScale: 0.5,
      env: { TTS_CACHE_DIR: cacheDir },
      scenario: {
        name: "openai voice",
        files: [`${cacheDir}/`],
        callees: [
          {
            match: { prefix: "7301" },
            outcome: "answer",
            ringMs: 100,
            turns: [
              { afterBotMs: 300, say: "What is your address?" },
              { afterBotMs: 600, hangup: true },
            ],
          },
        ],
      },
      start: { openai: { timeToFirstTokenMs: 100, tokensPerSecond: 200, ttsFirstByteMs: 150, ttsMsPerChar: 20 } },
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test("each sentence rendered once into the cache (.r24) and played by the switch; the turn measures the TTS time", async () => {
    const callId = randomUUID();
    h.sb.runtime.place({ callId, to: "73015550100", dialString: "sofia/gateway/carrier/73015550100", from: "+15550001111", timeoutSec: 30, dryRun: false });
    const { id } = h.sb.conversations.startConversation(callId, {
      systemPrompt: PROMPT,
      firstMessage: "Hello, Harbour Dental.",
      voice: { engine: "openai", voice: "nova" },
    });
    let last: ConversationView | null | undefined;
    const view = await until(
      () => `the conversation to end: ${JSON.stringify(last?.context.transcript)}`,
      () => ((last = h.sb.conversations.conversationView(id)) && !last.live ? last : null),
      25_000,
      50,
    );
    expect(view.context.transcript.map((e) => [e.who, e.interrupted])).toEqual([
      ["bot", false],
      ["caller", false],
      ["bot", false],
    ]);
    expect(view.context.transcript[2]!.text).toMatch(/12 Harbour Street/);
    // What the switch played: files from the cache, whose audio says the sentences (the simulated voice carries its words).
    const played = h.sim.botSpeech(callId);
    expect(played.length).toBeGreaterThanOrEqual(3);
    expect(played.every((l) => l.kind === "playback" && l.source!.startsWith(cacheDir) && l.source!.endsWith(".r24"))).toBe(true);
    const words = await Promise.all(played.map(async (l) => spokenText(new Uint8Array(await Bun.file(l.source!).arrayBuffer()))));
    expect(words[0]).toBe("Hello, Harbour Dental.");
    expect(words.join(" ")).toMatch(/12 Harbour Street/);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".r24")).length).toBeGreaterThanOrEqual(3);
    const [turn] = view.context.turns;
    // The first sentence waited for its audio (the simulated service's first byte after 150 ms).
    expect(turn!.latencies.firstSentenceToTtsCommandMs!).toBeGreaterThanOrEqual(100);
    expect(turn!.latencies.ttsCommandToPlaybackMs).not.toBeNull();
    const metrics = await (await fetch(`${h.sb.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_tts_cache_total\{result="miss"\} [3-9]/);
  }, 40_000);
});

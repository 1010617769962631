/**
 * The conversation machine's invoked effects, with fakes: tool calls (slow,
 * timed out, invalid JSON, throwing, unknown), a model that fails, a tool
 * that transfers or hangs up, speech-to-text lost and retried, and the
 * default actors that refuse to run unprovided.
 */
import { describe, expect, test } from "bun:test";
import { createActor } from "xstate";
import type { ToolSpec } from "../../src/ai/types.ts";
import { conversationMachine, DEFAULT_SETTINGS, type ConversationEmitted } from "../../machines/conversation.ts";
import { deferred, startConversation, type Harness, type HarnessOptions } from "./conversation-fakes.ts";
import type { ToolActorOutput } from "../../machines/conversation-types.ts";

const TOOLS: ToolSpec[] = [
  { name: "find_slots", description: "Free appointment slots on a day", parameters: { type: "object", properties: { day: { type: "string" } } } },
  { name: "transfer_to_front_desk", description: "Transfer the caller", parameters: { type: "object", properties: {} } },
];

async function askedAboutSlots(options: HarnessOptions = {}): Promise<Harness> {
  const h = startConversation({ ...options, input: { tools: TOOLS, ...options.input } });
  await h.answer();
  await h.say("anything free on Monday");
  await h.llmText("Let me check. ");
  await h.llmToolCall({ id: "call_1", name: "find_slots", arguments: '{"day":"Monday"}' });
  await h.llmFinish("tool_calls");
  return h;
}

describe("tool calls", () => {
  test("a tool call runs with its parsed arguments; its result goes back to the model, which is asked again", async () => {
    const h = await askedAboutSlots({
      tools: { find_slots: async (args) => ({ content: `free on ${String(args.day)}: 9:00, 15:00`, finishedAt: 2_000 }) },
    });
    expect(h.toolRequests).toEqual([{ conversationId: "conv-1", callId: "call-1", toolCallId: "call_1", name: "find_slots", arguments: { day: "Monday" } }]);
    expect(h.llms).toHaveLength(2);
    const messages = h.llm().input.messages;
    expect(messages.slice(-2)).toEqual([
      { role: "assistant", content: "Let me check. ", toolCalls: [{ id: "call_1", name: "find_slots", arguments: '{"day":"Monday"}' }] },
      { role: "tool", toolCallId: "call_1", content: "free on Monday: 9:00, 15:00" },
    ]);
    expect(h.llm().input.tools).toEqual(TOOLS);
    const [called] = h.notices("tool.called");
    expect(called?.call).toMatchObject({ id: "call_1", name: "find_slots", outcome: "ok", startedAt: 1_000, endedAt: 2_000, durationMs: 1_000, turn: 1 });
    await h.llmText("Monday at nine or three?");
    await h.llmFinish();
    await h.playAll();
    // The text before the tool call is in the history once; the reply after it is its own message.
    expect(h.ctx().messages.at(-1)).toEqual({ role: "assistant", content: "Monday at nine or three?" });
    expect(h.ctx().transcript.at(-1)).toMatchObject({ who: "bot", text: "Let me check. Monday at nine or three?" });
    expect(h.ctx().turns[0]).toMatchObject({ llmRequests: 2, toolCallIds: ["call_1"] });
  });

  test("a slow tool gets a filler line once the bot has nothing else to say", async () => {
    const slow = deferred<ToolActorOutput>();
    const h = await askedAboutSlots({ tools: { find_slots: () => slow.promise } });
    await h.playAll(); // "Let me check."
    expect(h.says()).toEqual(["Let me check."]);
    await h.advance(DEFAULT_SETTINGS.toolFillerAfterMs - 500);
    expect(h.says()).toEqual(["Let me check.", DEFAULT_SETTINGS.phrases.toolFiller]);
    slow.resolve({ content: "9:00", finishedAt: h.now });
    await h.playAll();
    await h.advance(10);
    expect(h.llms).toHaveLength(2);
    // The filler is not the model's: it is not in the history.
    expect(h.llm().input.messages.some((m) => m.content === DEFAULT_SETTINGS.phrases.toolFiller)).toBe(false);
  });

  test("a tool that never answers times out; the model reads the timeout and carries on", async () => {
    const h = await askedAboutSlots({ tools: { find_slots: () => new Promise(() => {}) } });
    await h.playAll();
    await h.advance(DEFAULT_SETTINGS.toolTimeoutMs);
    expect(h.llms).toHaveLength(2);
    expect(h.llm().input.messages.at(-1)).toEqual({ role: "tool", toolCallId: "call_1", content: "error: find_slots did not answer within 8 seconds." });
    expect(h.notices("tool.called")[0]?.call).toMatchObject({ outcome: "timeout", durationMs: DEFAULT_SETTINGS.toolTimeoutMs });
  });

  test("invalid JSON arguments: the tool is not run; the model is told and may retry", async () => {
    const h = startConversation({ input: { tools: TOOLS }, tools: { find_slots: async () => ({ content: "9:00", finishedAt: 0 }) } });
    await h.answer();
    await h.say("Monday?");
    await h.llmToolCall({ id: "call_9", name: "find_slots", arguments: '{"day": Monday' });
    await h.llmFinish("tool_calls");
    expect(h.toolRequests).toHaveLength(0);
    expect(h.llms).toHaveLength(2);
    const result = h.llm().input.messages.at(-1);
    expect(result).toMatchObject({ role: "tool", toolCallId: "call_9" });
    expect((result as { content: string }).content).toContain("were not valid JSON");
    expect(h.notices("tool.called")[0]?.call).toMatchObject({ outcome: "invalid_arguments", arguments: '{"day": Monday' });
    // The model retries with valid JSON and the tool runs.
    await h.llmToolCall({ id: "call_10", name: "find_slots", arguments: '{"day":"Monday"}' });
    await h.llmFinish("tool_calls");
    expect(h.toolRequests).toHaveLength(1);
  });

  test("a tool that throws: the model gets “error: …” and the conversation carries on", async () => {
    const h = await askedAboutSlots({
      tools: {
        find_slots: async () => {
          throw new Error("calendar unreachable");
        },
      },
    });
    expect(h.llm().input.messages.at(-1)).toEqual({ role: "tool", toolCallId: "call_1", content: "error: calendar unreachable" });
    expect(h.notices("tool.called")[0]?.call).toMatchObject({ outcome: "error", error: "error: calendar unreachable" });
    await h.llmText("Sorry, I can't see the calendar right now.");
    await h.llmFinish();
    await h.playAll();
    expect(h.state()).toContain("listening");
  });

  test("a tool the model made up is answered as unknown", async () => {
    const h = startConversation({ input: { tools: TOOLS } });
    await h.answer();
    await h.say("book it");
    await h.llmToolCall({ id: "c1", name: "book_spaceship", arguments: "{}" });
    await h.llmFinish("tool_calls");
    expect(h.llm().input.messages.at(-1)).toEqual({ role: "tool", toolCallId: "c1", content: "error: there is no tool named book_spaceship." });
  });

  test("a barge-in while a tool runs cancels it; the history keeps a result for every call", async () => {
    const h = await askedAboutSlots({ tools: { find_slots: () => new Promise(() => {}) } });
    await h.playbackStarted(h.lastSay().id);
    h.stt().send({ type: "stt.speech_started", receivedAt: h.now, audioSec: 2 });
    h.stt().send({ type: "stt.transcript", receivedAt: h.now, text: "no wait, Tuesday", isFinal: true, speechFinal: true, fromFinalize: false, startSec: 0, durationSec: 1, confidence: 1, words: [] });
    const messages = h.llm().input.messages;
    expect(messages.find((m) => m.role === "tool")).toMatchObject({ toolCallId: "call_1", content: expect.stringContaining("cancelled") });
    expect(messages.at(-1)).toEqual({ role: "user", content: "no wait, Tuesday" });
    expect(h.notices("tool.called")[0]?.call.outcome).toBe("cancelled");
  });

  test("a tool that transfers: the model's last words are said, then the call is transferred", async () => {
    const h = startConversation({
      input: { tools: TOOLS },
      tools: { transfer_to_front_desk: async () => ({ content: "transferring", finishedAt: 0, then: { type: "transfer", to: "1001" } }) },
    });
    await h.answer();
    await h.say("a human please");
    await h.llmToolCall({ id: "t1", name: "transfer_to_front_desk", arguments: "" });
    await h.llmFinish("tool_calls");
    await h.llmText("Putting you through now.");
    await h.llmFinish();
    expect(h.commands().some((c) => c.type === "transfer")).toBe(false);
    await h.playAll();
    expect(h.commands().at(-1)).toMatchObject({ type: "transfer", to: "1001" });
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.ctx().outcome).toBe("transferred");
  });

  test("a transfer the call refuses is apologised for; the conversation goes on", async () => {
    const h = startConversation({
      input: { tools: TOOLS },
      tools: { transfer_to_front_desk: async () => ({ content: "ok", finishedAt: 0, then: { type: "transfer", to: "1001" } }) },
    });
    await h.answer();
    await h.say("a human please");
    await h.llmToolCall({ id: "t1", name: "transfer_to_front_desk", arguments: "{}" });
    await h.llmFinish("tool_calls");
    await h.llmFinish();
    const transfer = h.commands().at(-1)!;
    await h.send({ type: "call.command_refused", id: transfer.id, reason: "bridged", receivedAt: h.now });
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.transferFailed);
    await h.playAll();
    expect(h.state()).toContain("listening");
  });

  test("a tool that ends the call: hangup after the reply, outcome completed", async () => {
    const h = startConversation({
      input: { tools: TOOLS },
      tools: { find_slots: async () => ({ content: "done", finishedAt: 0, then: { type: "hang_up" } }) },
    });
    await h.answer();
    await h.say("that's all, bye");
    await h.llmToolCall({ id: "e1", name: "find_slots", arguments: "{}" });
    await h.llmFinish("tool_calls");
    await h.llmText("Goodbye!");
    await h.llmFinish();
    await h.playAll();
    expect(h.commands().slice(-2).map((c) => c.type)).toEqual(["audio_stream.stop", "hangup"]);
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.ctx().outcome).toBe("completed");
  });
});

describe("the model failing", () => {
  test("once: the caller is asked to repeat; twice in a row: a goodbye, outcome error", async () => {
    const h = startConversation();
    await h.answer();
    await h.say("hello");
    await h.llmFinish("error", "503 from upstream");
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.modelError);
    expect(h.notices("model.error")[0]).toMatchObject({ message: "503 from upstream", turn: 1 });
    await h.playAll();
    await h.say("hello?");
    // The model sees what the caller heard in between.
    expect(h.llm().input.messages.slice(-3)).toEqual([
      { role: "user", content: "hello" },
      { role: "assistant", content: DEFAULT_SETTINGS.phrases.modelError },
      { role: "user", content: "hello?" },
    ]);
    await h.llmFinish("error", "503 again");
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.errorGoodbye);
    await h.playAll();
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.ctx().outcome).toBe("error");
  });
});

describe("speech input lost", () => {
  test("stt error → one retry (a new stream); a second loss → the caller is told and can go on by keypad", async () => {
    const h = startConversation();
    await h.answer();
    await h.send({ type: "stt.error", receivedAt: h.now, message: "NET-0001" });
    expect(h.stts).toHaveLength(2);
    expect(h.stts[0]?.stopped).toBe(true);
    expect(h.stt().input.attempt).toBe(2);
    expect(h.notices("stt.retry")).toEqual([{ type: "stt.retry", attempt: 2, reason: "stt error: NET-0001" }]);
    await h.send({ type: "stt.closed", receivedAt: h.now, code: 1011, reason: "NET-0000" });
    expect(h.stts).toHaveLength(2);
    expect(h.notices("speech_input.lost")).toHaveLength(1);
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.speechInputLost);
    await h.playAll();
    for (const digit of ["1", "2", "#"]) await h.send({ type: "call.dtmf", digit, receivedAt: h.now });
    expect(h.llm().input.messages.at(-1)).toEqual({ role: "user", content: "(keypad) 12" });
    expect(h.ctx().transcript.at(-1)).toMatchObject({ who: "caller", text: "(keypad) 12", via: "keypad" });
  });

  test("media lost (mod_audio_stream ::disconnect) restarts the audio stream with the recogniser", async () => {
    const h = startConversation();
    await h.answer();
    await h.send({ type: "media.lost", reason: "disconnect", receivedAt: h.now });
    expect(h.commands().filter((c) => c.type === "audio_stream.start")).toHaveLength(2);
    expect(h.stts).toHaveLength(2);
  });

  test("lost for good with onSpeechInputLost “end”: a goodbye, outcome stt_failed", async () => {
    const h = startConversation({ input: { settings: { sttRetries: 0, onSpeechInputLost: "end" } } });
    await h.answer();
    await h.send({ type: "stt.error", receivedAt: h.now, message: "gone" });
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.speechInputLostGoodbye);
    await h.playAll();
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.ctx().outcome).toBe("stt_failed");
  });

  test("lost for good and then silent: reprompts, then goodbye with outcome stt_failed", async () => {
    const h = startConversation({ input: { settings: { sttRetries: 0 } } });
    await h.answer();
    await h.send({ type: "stt.error", receivedAt: h.now, message: "gone" });
    await h.playAll();
    for (let i = 0; i < DEFAULT_SETTINGS.maxReprompts; i++) {
      await h.advance(DEFAULT_SETTINGS.silenceRepromptMs);
      await h.playAll();
    }
    await h.advance(DEFAULT_SETTINGS.silenceRepromptMs);
    await h.playAll();
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.ctx().outcome).toBe("stt_failed");
  });
});

test("the default actors refuse to run: a runtime or a test must provide them", async () => {
  const actor = createActor(conversationMachine, {
    input: { conversationId: "c", callId: "x", systemPrompt: "", voice: { engine: "flite", voice: "kal" }, model: "m", answered: true },
  });
  const emitted: ConversationEmitted[] = [];
  actor.on("*", (e) => emitted.push(e));
  actor.start();
  const retry = emitted.find((e) => e.type === "stt.retry");
  expect(retry && "reason" in retry ? retry.reason : "").toContain('the "stt" actor was not provided');
});

test("keypad while speech works: digits end on a pause and reach the model; a lone # is nothing", async () => {
  const h = startConversation();
  await h.answer();
  await h.send({ type: "call.dtmf", digit: "#", receivedAt: h.now });
  await h.advance(DEFAULT_SETTINGS.dtmfInterDigitMs);
  expect(h.llms).toHaveLength(0);
  expect(h.state()).toContain("waiting");
  await h.send({ type: "call.dtmf", digit: "4", receivedAt: h.now });
  await h.advance(DEFAULT_SETTINGS.dtmfInterDigitMs);
  expect(h.llm().input.messages.at(-1)).toEqual({ role: "user", content: "(keypad) 4" });
});

test("the model failing after a tool round still answers the caller (an apology), not silence", async () => {
  const h = await askedAboutSlots({ tools: { find_slots: async () => ({ content: "9:00", finishedAt: 0 }) } });
  await h.llmFinish("error", "stream reset");
  await h.playAll();
  expect(h.says()).toEqual(["Let me check.", DEFAULT_SETTINGS.phrases.modelError]);
  expect(h.state()).toContain("listening");
});

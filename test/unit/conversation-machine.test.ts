/**
 * The conversation machine with fakes (conversation-fakes.ts): no I/O, timers
 * on XState's SimulatedClock. Turn-taking, streaming the first sentence,
 * latency, barge-in, false interruption, silence, the length limit and the
 * call ending. Tools and lost speech input are in conversation-effects.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_SETTINGS } from "../../machines/conversation.ts";
import { startConversation, transcript, type Harness } from "./conversation-fakes.ts";

const GREETING = "Hello, Elm Street Dental. How can I help?";

/** Answered, greeted, and listening. */
async function listening(options: Parameters<typeof startConversation>[0] = {}): Promise<Harness> {
  const h = startConversation({ ...options, input: { firstMessage: GREETING, ...options.input } });
  await h.answer();
  await h.playAll();
  return h;
}

describe("starting", () => {
  test("nothing happens before the call is answered; then the audio stream, the recogniser and the first message", async () => {
    const h = startConversation({ input: { firstMessage: GREETING } });
    expect(h.commands()).toEqual([]);
    expect(h.stts).toHaveLength(0);
    await h.answer();
    expect(h.commands().map((c) => c.type)).toEqual(["audio_stream.start", "say"]);
    expect(h.says()).toEqual([GREETING]);
    expect(h.stts).toHaveLength(1);
    expect(h.stt().input).toEqual({ conversationId: "conv-1", callId: "call-1", attempt: 1 });
    await h.playAll();
    expect(h.state()).toContain("listening");
    expect(h.ctx().transcript).toEqual([{ who: "bot", text: GREETING, startedAt: 1000, endedAt: 1500, interrupted: false }]);
  });

  test("a conversation started on an answered call does not wait for call.answered", async () => {
    const h = startConversation({ input: { answered: true } });
    await h.send({ type: "call.answered", receivedAt: 1 });
    expect(h.commands().filter((c) => c.type === "audio_stream.start")).toHaveLength(1);
    expect(h.state()).toContain("listening");
  });
});

describe("turn end", () => {
  test("speech_final ends the turn: the is_final segments joined go to the model after the history", async () => {
    const h = await listening();
    h.stt().send({ type: "stt.speech_started", receivedAt: h.now, audioSec: 1 });
    h.stt().send(transcript("I need", h.now, { isFinal: false }));
    h.stt().send(transcript("I need an appointment", h.now, { isFinal: true }));
    expect(h.llms).toHaveLength(0);
    h.stt().send(transcript("for Tuesday", h.now + 100, { isFinal: true, speechFinal: true }));
    expect(h.llms).toHaveLength(1);
    expect(h.llm().input.messages).toEqual([
      { role: "system", content: "You are the receptionist of Elm Street Dental." },
      { role: "assistant", content: GREETING },
      { role: "user", content: "I need an appointment for Tuesday" },
    ]);
    expect(h.llm().input.model).toBe("gpt-test");
  });

  test("UtteranceEnd ends the turn when endpointing never fires", async () => {
    const h = await listening();
    h.stt().send(transcript("cancel my appointment", h.now, { isFinal: true }));
    expect(h.llms).toHaveLength(0);
    await h.send({ type: "stt.utterance_end", receivedAt: h.now + 1000, lastWordEndSec: 3 });
    expect(h.llms).toHaveLength(1);
    expect(h.ctx().turns[0]?.marks.finalTranscript).toBe(h.now + 1000);
  });

  test("backstop: a final with nothing after it asks the recogniser to finalize; its result ends the turn", async () => {
    const h = await listening();
    h.stt().send(transcript("is the office open", h.now, { isFinal: true }));
    await h.advance(DEFAULT_SETTINGS.turnEndBackstopMs - 1);
    expect(h.stt().finalizes).toBe(0);
    await h.advance(1);
    expect(h.stt().finalizes).toBe(1);
    expect(h.llms).toHaveLength(0);
    h.stt().send(transcript("on saturday", h.now, { isFinal: true, fromFinalize: true }));
    expect(h.llms).toHaveLength(1);
    expect(h.llm().input.messages.at(-1)).toEqual({ role: "user", content: "is the office open on saturday" });
  });

  test("backstop: if the recogniser never answers the finalize, the turn ends with what was heard", async () => {
    const h = await listening();
    h.stt().send(transcript("hello", h.now, { isFinal: true }));
    await h.advance(DEFAULT_SETTINGS.turnEndBackstopMs);
    expect(h.stt().finalizes).toBe(1);
    await h.advance(DEFAULT_SETTINGS.finalizeGraceMs);
    expect(h.llms).toHaveLength(1);
    expect(h.llm().input.messages.at(-1)).toEqual({ role: "user", content: "hello" });
  });

  test("each new interim restarts the backstop: a caller still talking is not cut short", async () => {
    const h = await listening();
    h.stt().send(transcript("I would like", h.now, { isFinal: true }));
    await h.advance(1000);
    h.stt().send(transcript("to book", h.now, { isFinal: false }));
    await h.advance(1000);
    expect(h.stt().finalizes).toBe(0);
  });
});

describe("replying", () => {
  test("the first sentence is said while the model is still streaming; the rest follow in order", async () => {
    const h = await listening();
    await h.say("I need an appointment");
    await h.llmText("Sure");
    await h.llmText(", I can help. Dr");
    expect(h.says().slice(1)).toEqual(["Sure, I can help."]);
    expect(h.llm().stopped).toBe(false);
    await h.llmText(". Smith has 3.5 hours free on Monday. Does ");
    // One say at a time: the call's say would interrupt what plays.
    expect(h.says().slice(1)).toEqual(["Sure, I can help."]);
    await h.playAll();
    expect(h.says().slice(1)).toEqual(["Sure, I can help.", "Dr. Smith has 3.5 hours free on Monday."]);
    await h.llmText("that work?");
    await h.llmFinish();
    await h.playAll();
    expect(h.says().slice(1)).toEqual(["Sure, I can help.", "Dr. Smith has 3.5 hours free on Monday.", "Does that work?"]);
    expect(h.state()).toContain("listening");
    expect(h.ctx().messages.at(-1)).toEqual({
      role: "assistant",
      content: "Sure, I can help. Dr. Smith has 3.5 hours free on Monday. Does that work?",
    });
    expect(h.ctx().usage).toMatchObject({ promptTokens: 100, completionTokens: 20, llmRequests: 1 });
  });

  test("latencies are recorded per turn on the events' clock and announced with turn.completed", async () => {
    const h = await listening();
    const t0 = h.now;
    await h.say("what are your hours", { speechEndedAt: t0 - 300 });
    await h.advance(400);
    await h.llmText("We are open nine to five. ");
    await h.advance(50);
    const first = h.lastSay();
    await h.playbackStarted(first.id);
    await h.llmFinish();
    await h.advance(1000);
    await h.playbackStopped(first.id);
    const [done] = h.notices("turn.completed");
    expect(done?.turn.marks).toEqual({
      endOfSpeech: t0 - 300,
      finalTranscript: t0,
      llmFirstToken: t0 + 400,
      firstSentence: t0 + 400,
      ttsCommand: t0 + 400,
      playbackStarted: t0 + 450,
    });
    expect(done?.turn.latencies).toMatchObject({ endOfSpeechToFinalMs: 300, finalToFirstTokenMs: 400, finalToTtsCommandMs: 400, voiceToVoiceMs: 750 });
    expect(h.ctx().turns[0]).toEqual(done!.turn);
  });

  test("TTS that renders a file is played, and its time to audio is the sentence → command mark", async () => {
    const h = await listening({
      tts: async (input, now) => ({ utterance: { kind: "play", file: `/tmp/tts/${input.text.length}.r24`, cached: false }, readyAt: now + 150 }),
    });
    await h.say("hi");
    await h.llmText("Hello there. ");
    const play = h.commands().filter((c) => c.type === "play");
    expect(play).toHaveLength(2); // greeting + first sentence
    expect(h.ctx().turns[0]?.marks.ttsCommand).toBe(h.ctx().turns[0]!.marks.firstSentence! + 150);
  });
});

describe("barge-in", () => {
  async function botSpeaking(): Promise<Harness> {
    const h = await listening();
    await h.say("when can I come in");
    await h.llmText("We have openings on Monday at nine and on Tuesday at three. ");
    await h.playbackStarted(h.lastSay().id);
    await h.llmText("Which one suits you");
    return h;
  }

  test("two words while the bot speaks: break, the model is stopped, the reply is cut to what was heard", async () => {
    const h = await botSpeaking();
    const speaking = h.lastSay();
    const llm = h.llm();
    await h.advance(1000);
    h.stt().send(transcript("Monday works", h.now, { isFinal: false }));
    expect(h.commands().at(-1)).toEqual({ type: "break", id: expect.any(String) });
    expect(llm.stopped).toBe(true);
    expect(h.notices("barge_in")).toEqual([{ type: "barge_in", at: h.now, trigger: "words", turn: 1 }]);
    // The switch reports the cut: 2 s of a sentence that lasts about 4 s.
    await h.playbackStopped(speaking.id, "break", 2000);
    h.stt().send(transcript("Monday works for me", h.now, { isFinal: true, speechFinal: true }));
    expect(h.llms).toHaveLength(2);
    const messages = h.llm().input.messages;
    const cut = messages.at(-2);
    expect(cut?.role).toBe("assistant");
    expect((cut as { content: string }).content.startsWith("We have openings on Monday")).toBe(true);
    expect((cut as { content: string }).content.length).toBeLessThan("We have openings on Monday at nine and on Tuesday at three.".length);
    expect(messages.at(-1)).toEqual({ role: "user", content: "Monday works for me" });
    const bot = h.ctx().transcript.at(-2);
    expect(bot).toMatchObject({ who: "bot", interrupted: true, text: (cut as { content: string }).content });
    expect(h.ctx().turns[0]?.interrupted).toBe(true);
  });

  test("one word in an interim is not a barge-in (echo, a backchannel); speech-started off", async () => {
    const h = await listening({ input: { settings: { bargeInOnSpeechStarted: false } } });
    await h.say("hours please");
    await h.llmText("We open at nine. ");
    await h.playbackStarted(h.lastSay().id);
    h.stt().send({ type: "stt.speech_started", receivedAt: h.now, audioSec: 5 });
    h.stt().send(transcript("okay", h.now, { isFinal: false }));
    expect(h.commands().some((c) => c.type === "break")).toBe(false);
    expect(h.llm().stopped).toBe(false);
  });

  test("false interruption: no words within the window and the cut sentence is resumed from where it stopped", async () => {
    const h = await botSpeaking();
    const speaking = h.lastSay();
    await h.advance(1000);
    h.stt().send({ type: "stt.speech_started", receivedAt: h.now, audioSec: 9 });
    expect(h.commands().at(-1)?.type).toBe("break");
    await h.playbackStopped(speaking.id, "break", 1500);
    await h.advance(DEFAULT_SETTINGS.falseInterruptionMs);
    const [notice] = h.notices("false_interruption");
    const rest = h.lastSay();
    expect(rest.id).not.toBe(speaking.id);
    expect(notice?.resumed).toBe(rest.text);
    expect(speaking.text.endsWith(rest.text)).toBe(true);
    expect(rest.text.length).toBeLessThan(speaking.text.length);
    await h.playAll();
    expect(h.state()).toContain("listening");
    // Heard in two pieces, but heard whole: the history and transcript say the full sentence.
    expect(h.ctx().messages.at(-1)).toEqual({ role: "assistant", content: speaking.text });
    expect(h.ctx().transcript.at(-1)).toMatchObject({ who: "bot", text: speaking.text, interrupted: false });
  });

  test("words after a speech-started barge-in confirm it", async () => {
    const h = await botSpeaking();
    h.stt().send({ type: "stt.speech_started", receivedAt: h.now, audioSec: 9 });
    h.stt().send(transcript("actually", h.now, { isFinal: false }));
    await h.advance(DEFAULT_SETTINGS.falseInterruptionMs);
    expect(h.notices("false_interruption")).toHaveLength(0);
  });
});

describe("silence", () => {
  test("two reprompts, then a goodbye and a hangup; outcome silence", async () => {
    const h = await listening();
    await h.advance(DEFAULT_SETTINGS.silenceRepromptMs);
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.reprompt);
    expect(h.notices("reprompt")).toEqual([{ type: "reprompt", count: 1 }]);
    await h.playAll();
    await h.advance(DEFAULT_SETTINGS.silenceRepromptMs);
    expect(h.notices("reprompt")).toHaveLength(2);
    await h.playAll();
    await h.advance(DEFAULT_SETTINGS.silenceRepromptMs);
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.silenceGoodbye);
    expect(h.commands().at(-2)?.type).toBe("audio_stream.stop");
    expect(h.commands().some((c) => c.type === "hangup")).toBe(false);
    await h.playAll();
    expect(h.commands().at(-1)).toMatchObject({ type: "hangup", reason: "conversation silence" });
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(h.ctx().outcome).toBe("silence");
    expect(h.notices("conversation.ended")).toEqual([{ type: "conversation.ended", outcome: "silence", cause: "NORMAL_CLEARING" }]);
  });

  test("the caller speaking resets the reprompt count", async () => {
    const h = await listening();
    await h.advance(DEFAULT_SETTINGS.silenceRepromptMs);
    await h.playAll();
    await h.say("yes I'm here");
    await h.llmText("Great.");
    await h.llmFinish();
    await h.playAll();
    expect(h.ctx().reprompts).toBe(0);
  });
});

describe("ending", () => {
  test("the length limit: goodbye and hangup, outcome max_duration", async () => {
    const h = await listening({ input: { settings: { maxDurationMs: 60_000, silenceRepromptMs: 100_000 } } });
    await h.advance(60_000);
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.maxDurationGoodbye);
    await h.playAll();
    expect(h.commands().at(-1)?.type).toBe("hangup");
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.ctx().outcome).toBe("max_duration");
  });

  test("the caller hangs up mid-reply: the model is stopped, the reply recorded as heard, outcome caller_hung_up", async () => {
    const h = await listening();
    await h.say("what's the address");
    await h.llmText("We are at 12 Elm Street, next to the bakery. ");
    await h.playbackStarted(h.lastSay().id);
    await h.advance(800);
    const llm = h.llm();
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(llm.stopped).toBe(true);
    expect(h.stt().stopped).toBe(true);
    expect(h.ctx().outcome).toBe("caller_hung_up");
    expect(h.ctx().endCause).toBe("NORMAL_CLEARING");
    const bot = h.ctx().transcript.at(-1);
    expect(bot?.who).toBe("bot");
    expect(bot?.text.startsWith("We are at")).toBe(true);
    expect(h.notices("turn.completed")).toHaveLength(1);
    // Nothing is sent to a call that has ended.
    expect(h.commands().at(-1)?.type).toBe("say");
  });

  test("the call ends before it is answered", async () => {
    const h = startConversation();
    await h.send({ type: "call.ended", cause: "NO_ANSWER", receivedAt: 5 });
    expect(h.ctx().outcome).toBe("caller_hung_up");
    expect(h.commands()).toEqual([]);
  });
});

describe("the caller goes on before the bot says anything", () => {
  test("more words while the model thinks: the request is dropped and both parts reach the model as one message", async () => {
    const h = await listening();
    await h.say("I'd like to book");
    const first = h.llm();
    await h.say("a cleaning on Friday");
    expect(first.stopped).toBe(true);
    expect(h.commands().some((c) => c.type === "break")).toBe(false);
    expect(h.llms).toHaveLength(2);
    expect(h.llm().input.messages.at(-1)).toEqual({ role: "user", content: "I'd like to book a cleaning on Friday" });
  });

  test("a noise while the model thinks (speech-started, no words): the model is asked again", async () => {
    const h = await listening();
    await h.say("what time do you close");
    h.stt().send({ type: "stt.speech_started", receivedAt: h.now, audioSec: 4 });
    expect(h.llm().stopped).toBe(true);
    await h.advance(DEFAULT_SETTINGS.falseInterruptionMs);
    expect(h.llms).toHaveLength(2);
    expect(h.llm().stopped).toBe(false);
    await h.llmText("We close at five.");
    await h.llmFinish();
    await h.playAll();
    expect(h.ctx().messages.at(-1)).toEqual({ role: "assistant", content: "We close at five." });
  });
});

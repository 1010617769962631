/**
 * The pure helpers of the conversation machine: sentence splitting of streamed
 * model text, what a caller heard of a cut sentence, turn latencies.
 */
import { describe, expect, test } from "bun:test";
import { countWords, flushSentences, takeSentences } from "../../machines/sentences.ts";
import { splitHeard } from "../../machines/heard-text.ts";
import { emptyMarks, markOnce, turnLatencies } from "../../machines/turn-latency.ts";

/** Feed text in small chunks as a model streams it; collect sentences as they become certain. */
function stream(text: string, chunk = 3): { early: string[]; all: string[] } {
  let buffer = "";
  const early: string[] = [];
  for (let i = 0; i < text.length; i += chunk) {
    buffer += text.slice(i, i + chunk);
    const split = takeSentences(buffer);
    early.push(...split.sentences);
    buffer = split.rest;
  }
  return { early, all: [...early, ...flushSentences(buffer)] };
}

describe("sentence splitting", () => {
  test("a sentence is complete once whitespace follows its full stop", () => {
    expect(takeSentences("Sure. I can")).toEqual({ sentences: ["Sure."], rest: " I can" });
    expect(takeSentences("Sure.")).toEqual({ sentences: [], rest: "Sure." });
    expect(flushSentences("Sure.")).toEqual(["Sure."]);
  });

  test("titles, initials, decimals and e.g. do not end a sentence", () => {
    const { all } = stream("Dr. Smith sees patients at 3.5 hours past noon, e.g. on Mondays. J. R. Doe is off. Bye!");
    expect(all).toEqual(["Dr. Smith sees patients at 3.5 hours past noon, e.g. on Mondays.", "J. R. Doe is off.", "Bye!"]);
  });

  test("question and exclamation marks, closing quotes and ellipses end sentences", () => {
    expect(stream('Really? He said "yes." Then... we left!').all).toEqual(["Really?", 'He said "yes."', "Then...", "we left!"]);
  });

  test("a.m. ends a sentence only when a capital follows", () => {
    expect(stream("We open at 9 a.m. Please call then.").all).toEqual(["We open at 9 a.m.", "Please call then."]);
    expect(stream("From 9 a.m. to 5 p.m. every day.").all).toEqual(["From 9 a.m. to 5 p.m. every day."]);
  });

  test("a long clause without a full stop is flushed at the length cap, at a clause break or a space", () => {
    const long = "we have openings on monday tuesday and wednesday, and also thursday morning " + "and friday ".repeat(12);
    const { sentences, rest } = takeSentences(long, 80);
    expect(sentences[0]).toBe("we have openings on monday tuesday and wednesday,");
    for (const s of sentences) expect(s.length).toBeLessThanOrEqual(80);
    expect(rest.trim().length).toBeLessThan(80);
  });

  test("newlines break sentences; blank pieces are dropped", () => {
    expect(stream("First line\n\nSecond line").all).toEqual(["First line", "Second line"]);
  });

  test("countWords", () => {
    expect(countWords("  ")).toBe(0);
    expect(countWords("wait a second")).toBe(3);
  });
});

describe("what the caller heard", () => {
  test("cut in proportion to playback, at a word boundary", () => {
    expect(splitHeard("one two three four", 500, 1000)).toEqual({ heard: "one two", rest: "three four" });
    expect(splitHeard("one two three four", 5000, 1000)).toEqual({ heard: "one two three four", rest: "" });
    expect(splitHeard("one two three four", 0, 1000)).toEqual({ heard: "", rest: "one two three four" });
  });

  test("without a known length the sentence's length is estimated", () => {
    const { heard, rest } = splitHeard("I can book you for Tuesday at three in the afternoon.", 1000);
    expect(heard.length).toBeGreaterThan(0);
    expect(rest.length).toBeGreaterThan(0);
    expect(`${heard} ${rest}`).toBe("I can book you for Tuesday at three in the afternoon.");
  });
});

describe("turn latency", () => {
  test("differences between marks on one clock; voice-to-voice from the end of speech", () => {
    let marks = emptyMarks();
    marks = markOnce(marks, "endOfSpeech", 1000);
    marks = markOnce(marks, "finalTranscript", 1300);
    marks = markOnce(marks, "llmFirstToken", 1700);
    marks = markOnce(marks, "llmFirstToken", 1800);
    marks = markOnce(marks, "firstSentence", 1750);
    marks = markOnce(marks, "ttsCommand", 1900);
    marks = markOnce(marks, "playbackStarted", 1950);
    expect(turnLatencies(marks)).toEqual({
      endOfSpeechToFinalMs: 300,
      finalToFirstTokenMs: 400,
      firstTokenToFirstSentenceMs: 50,
      firstSentenceToTtsCommandMs: 150,
      ttsCommandToPlaybackMs: 50,
      finalToTtsCommandMs: 600,
      voiceToVoiceMs: 950,
    });
  });

  test("a missing mark leaves its latencies null", () => {
    const marks = { ...emptyMarks(), finalTranscript: 10, playbackStarted: 510 };
    expect(turnLatencies(marks).voiceToVoiceMs).toBe(500);
    expect(turnLatencies(marks).finalToFirstTokenMs).toBeNull();
  });
});

test("a plain “No.” answer is a sentence", () => {
  expect(stream("No. That slot is taken.").all).toEqual(["No.", "That slot is taken."]);
});

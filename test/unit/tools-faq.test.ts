/** answer_faq: the caller's question matched against the FAQ by keywords and shared words, and what the model is told. */
import { describe, expect, test } from "bun:test";
import { templateById } from "../../machines/flows/index.ts";
import { matchFaq } from "../../src/ai/tools/answer-faq.ts";
import { runReceptionistTool, type ReceptionistToolContext } from "../../src/ai/tools/index.ts";
import type { Db } from "../../src/db/client.ts";

const dental = templateById("medical-office")!.definition;
const solar = templateById("general-business")!.definition;

const best = (question: string, faq = dental.faq) => matchFaq(question, faq)[0]?.entry.question ?? null;

describe("matching questions to FAQ entries", () => {
  test("the owner's keywords, in the caller's words", () => {
    expect(best("do you accept my insurance plan?")).toBe("Do you take insurance?");
    expect(best("where do I park when I come in")).toBe("Is there parking?");
    expect(best("do you see kids")).toBe("Do you see children?");
    expect(best("are you taking new patients at the moment")).toBe("Are you accepting new patients?");
    expect(best("how much does it cost to get my teeth cleaned")).toBe("How much is a cleaning?");
  });

  test("words shared with the entry's answer find it when no keyword is said", () => {
    expect(best("do you guys take Delta Dental or Cigna?")).toBe("Do you take insurance?");
  });

  test("multi-word keywords match as phrases", () => {
    expect(best("how long does the installation take", solar.faq)).toBe("How long does an installation take?");
    expect(best("is there a payment plan", solar.faq)).toBe("Do you offer financing?");
    expect(best("what kind of warranty do the panels have", solar.faq)).toBe("Is there a warranty?");
  });

  test("questions the FAQ does not cover match nothing", () => {
    for (const q of ["what is the meaning of life", "can you tell me a joke", "hello", "do you sell cars", ""]) {
      expect(matchFaq(q, dental.faq)).toEqual([]);
    }
  });
});

describe("the answer_faq tool", () => {
  const ctx: ReceptionistToolContext = {
    db: {} as Db, // answer_faq never touches the database
    receptionist: { id: "00000000-0000-0000-0000-000000000001", version: 1, definition: dental },
    conversationId: null,
    callId: null,
    now: new Date("2026-03-09T15:00:00Z"),
    sandbox: true,
  };

  test("a match gives the model the business's own answer", async () => {
    const result = await runReceptionistTool("answer_faq", ctx, { question: "is there parking nearby?" });
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.content)).toMatchObject({ ok: true, found: true, answer: "Free parking is available in the lot behind the building." });
  });

  test("no match tells the model to answer from the profile or say it does not know", async () => {
    const result = await runReceptionistTool("answer_faq", ctx, { question: "what's your favourite colour" });
    expect(result).toMatchObject({ ok: false, refusal: "not_found" });
    const content = JSON.parse(result.content);
    expect(content.found).toBe(false);
    expect(content.next_step).toMatch(/business profile/);
    expect(content.next_step).toMatch(/Never make up an answer/);
  });

  test("a question that is not a string is named, not thrown", async () => {
    const result = await runReceptionistTool("answer_faq", ctx, { question: 7 });
    expect(result).toMatchObject({ ok: false, refusal: "invalid_arguments" });
    expect(JSON.parse(result.content).error).toContain('"question" must be a string');
  });
});

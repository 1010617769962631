/**
 * The runtime's emergency keyword check (machines/emergency-keywords.ts, used
 * by conversation-flow.ts emergencyHeard) with the shipped templates' own
 * keyword lists: whole words only, an explicit close denial ("not an
 * emergency", "no swelling", "the swelling went down") is not an emergency,
 * and anything less explicit still is — a missed emergency is worse than a
 * false alarm. Then through the conversation machine: a denied mention leaves
 * the flow where it was, a real one takes the emergency function and its
 * instruction is said.
 */
import { describe, expect, test } from "bun:test";
import { saysEmergencyKeyword } from "../../machines/emergency-keywords.ts";
import { flowNode } from "../../machines/conversation-flow.ts";
import { TEMPLATES } from "../../machines/flows/index.ts";
import { compileFlowOrThrow, RECEPTIONIST_TOOLS } from "../../machines/receptionist/index.ts";
import { startConversation, type Harness } from "./conversation-fakes.ts";

const keywordsOf = (id: string): string[] => TEMPLATES.find((t) => t.id === id)!.definition.safety.emergency!.keywords;
const medical = keywordsOf("medical-office");
const afterHours = keywordsOf("after-hours");

describe("emergency keywords: whole words, explicit denials", () => {
  test.each([
    "it's not an emergency",
    "It isn't an emergency, I just have a question",
    "this is not an emergency",
    "my swelling went down",
    "the swelling has gone down since Monday",
    "no swelling at all, just a bit sensitive",
    "there's no swelling",
    "the swelling is gone",
    "I never had any swelling",
    "the swellings",
    "I need an emergencyroom bill explained",
  ])("medical, not an emergency: %p", (said) => {
    expect(saysEmergencyKeyword(said, medical)).toBe(false);
  });

  test.each([
    "this is an emergency",
    "EMERGENCY!",
    "my face has swelling",
    "my cheek is swelling up",
    "the swelling went down but now my face is swollen again and there's more swelling",
    "I'm not sure but it's an emergency",
    "not sure what to do, there's swelling",
    "oh no he's bleeding a lot",
    "no, my son won't stop bleeding",
    "the swelling hasn't stopped",
    "the bleeding a lot never stopped",
    "I don't know what happened, I have severe pain",
    "I can't breathe",
    "I can’t breathe",
    "my tooth was knocked out",
    "Not an emergency? It is an emergency!",
  ])("medical, an emergency: %p", (said) => {
    expect(saysEmergencyKeyword(said, medical)).toBe(true);
  });

  test("a keyword's words may be spread by extra spaces but not split inside a word", () => {
    expect(saysEmergencyKeyword("he has  chest   pain", ["chest pain"])).toBe(true);
    expect(saysEmergencyKeyword("he's painting his chest painfully", ["chest pain"])).toBe(false);
  });

  test("after hours: a keyword that is itself a negation still counts ('not breathing')", () => {
    expect(saysEmergencyKeyword("my baby is not breathing", afterHours)).toBe(true);
    expect(saysEmergencyKeyword("she had a seizure", afterHours)).toBe(true);
    expect(saysEmergencyKeyword("no high fever, just a cough", afterHours)).toBe(false);
    expect(saysEmergencyKeyword("she has a high fever and it's not going down", afterHours)).toBe(true);
  });
});

describe("emergency keywords in a conversation running a flow", () => {
  const EMPTY = { type: "object", properties: {}, additionalProperties: false };
  const FLOW = compileFlowOrThrow({
    initial_node: "greeting",
    nodes: {
      greeting: { task: "Find out what the caller needs.", functions: [{ ...RECEPTIONIST_TOOLS.take_message, next_node: "goodbye" }] },
      emergency: { task: "Help with the emergency.", pre_actions: [{ say: "Call 911 now." }], functions: [{ ...RECEPTIONIST_TOOLS.take_message, next_node: "goodbye" }] },
      goodbye: { final: true, pre_actions: [{ say: "Goodbye." }] },
    },
    global_functions: [{ name: "report_emergency", description: "An emergency.", parameters: EMPTY, next_node: "emergency" }],
  });

  async function greeted(): Promise<Harness> {
    const h = startConversation({
      input: {
        firstMessage: "Thanks for calling Elm Street Dental.",
        systemPrompt: "You are the phone receptionist for Elm Street Dental.",
        tools: [RECEPTIONIST_TOOLS.take_message],
        flow: { version: FLOW.version, flow: FLOW.flow, emergency: { keywords: medical, function: "report_emergency" } },
      },
      tools: {},
    });
    await h.answer();
    return h;
  }

  test("a denied mention leaves the flow where it is and no instruction is queued", async () => {
    const h = await greeted();
    await h.say("It's not an emergency, my swelling went down, I'd just like a check-up");
    expect(flowNode(h.ctx().flow!)).toBe("greeting");
    expect(h.ctx().reply?.sentences.map((s) => s.text) ?? []).not.toContain("Call 911 now.");
  });

  test("a real one takes the emergency function and its instruction is the first thing queued", async () => {
    const h = await greeted();
    await h.say("No, I'm calling because my face has swelling");
    expect(flowNode(h.ctx().flow!)).toBe("emergency");
    expect(h.ctx().reply?.sentences.map((s) => s.text)).toEqual(["Call 911 now."]);
  });
});

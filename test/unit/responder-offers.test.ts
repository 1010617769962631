/**
 * The offline responder's reading of an offer and of a service-area question
 * (src/sim/openai/questions.ts, slots.ts, knowledge.ts): which bot words offer
 * to take a message (a yes to them starts one; they do not ask what the
 * message says), which caller words accept an offer, and how a question about
 * where the business works is answered from a "Service area:" line.
 */
import { describe, expect, test } from "bun:test";
import { serviceAreaAnswer, factsOf } from "../../src/sim/openai/knowledge.ts";
import { askedFor, offersMessage } from "../../src/sim/openai/questions.ts";
import { acceptsOffer } from "../../src/sim/openai/slots.ts";

describe("a message offer", () => {
  test.each([
    "I'm sorry, nobody is available to take your call right now. Would you like to leave a message?",
    "Can I take a message?",
    "I'm sorry, I can't book appointments on this line right now, but I can take a message and the office will call you back. Would that help?",
    "Our nurse line opens at 8 am. I can take a message for the on-call provider. Would you like to leave one?",
  ])("offers one: %p", (bot) => {
    expect(offersMessage(bot)).toBe(true);
    // An offer is answered yes or no: it is no question for the message's reason.
    expect(askedFor(bot.match(/[^.?!]+\?$/)![0].trim(), "text", "reason", "What is the message regarding?")).toBe(false);
  });

  test.each([
    "What is the message regarding?",
    "May I have your name, please?",
    "I'm sorry, I can't take a message on this line. Would that help?",
    "I've passed your message on. Is there anything else I can help you with?",
    "Sure. Messages are returned the next morning.",
  ])("does not: %p", (bot) => {
    expect(offersMessage(bot)).toBe(false);
  });

  test("the reason question is still one", () => {
    expect(askedFor("What is the message regarding?", "text", "reason", "What is the message regarding?")).toBe(true);
  });

  test.each(["yes please", "Yes.", "sure, go ahead", "yeah that would help", "okay yes", "ok sure", "please do", "of course"])("accepted by %p", (said) => {
    expect(acceptsOffer(said)).toBe(true);
  });

  test.each(["no thanks", "yes, no, actually never mind", "yes, what are your hours?", "I'd rather call back later", "Tom Reyes", "yes I would like to know how much an installation costs before I decide anything"])(
    "not accepted by %p",
    (said) => {
      expect(acceptsOffer(said)).toBe(false);
    },
  );
});

describe("a service-area question", () => {
  const facts = factsOf("Business name: Brightline Solar\nServices: residential solar installation\nService area: Alameda, Contra Costa and Santa Clara counties\nAddress: 1800 Harbor Boulevard, Oakland");
  const AREA = "Alameda, Contra Costa and Santa Clara counties";

  test.each(["do you install in Santa Clara", "Do you work in contra costa county?", "do you serve alameda", "can you come out to Santa Clara?"])("a place in the area: %p", (q) => {
    expect(serviceAreaAnswer(q, facts)).toBe(`Yes, we serve ${AREA}.`);
  });

  test.each(["do you come out to Fresno?", "what areas do you serve", "which counties do you cover", "what's your service area"])("the area as it stands, no outright no: %p", (q) => {
    expect(serviceAreaAnswer(q, facts)).toBe(`Our service area is ${AREA}.`);
  });

  test("not a service-area question, or no area in the profile: no answer here", () => {
    expect(serviceAreaAnswer("where are you located", facts)).toBeNull();
    expect(serviceAreaAnswer("do you offer financing", facts)).toBeNull();
    expect(serviceAreaAnswer("do you install in Santa Clara", factsOf("Business name: Brightline Solar\nAddress: Oakland"))).toBeNull();
  });
});

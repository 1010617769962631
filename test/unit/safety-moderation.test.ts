/**
 * The moderation adapter (openai package, client.moderations.create) against
 * the simulated POST /v1/moderations: OpenAI's response shape, the rule-based
 * classifier (ordinary receptionist talk is not flagged), scripted flags,
 * faults and a slow check that times out.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { OpenAIModeration } from "../../src/ai/safety/index.ts";
import { MODERATION_CATEGORIES, classify } from "../../src/sim/openai/moderation.ts";
import { SimulatedOpenAI } from "../../src/sim/openai/index.ts";

describe("simulated /v1/moderations", () => {
  const sim = new SimulatedOpenAI({ apiKey: "sk-sim-moderation-test" });
  let moderation: OpenAIModeration;
  let client: OpenAI;

  beforeAll(async () => {
    await sim.start();
    client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.baseURL, maxRetries: 0 });
    moderation = new OpenAIModeration({ apiKey: sim.apiKey, baseURL: sim.baseURL, model: "omni-moderation-latest", timeoutMs: 300 });
  });
  afterAll(() => sim.stop());

  test("the answer has OpenAI's shape: id, model, one result per input with every category in all three maps", async () => {
    const res = await client.moderations.create({ model: "omni-moderation-latest", input: ["I'm going to kill you.", "Your appointment is Tuesday at 10 AM."] });
    expect(res.id).toMatch(/^modr-/);
    expect(res.model).toBe("omni-moderation-latest");
    expect(res.results).toHaveLength(2);
    const [bad, fine] = res.results;
    expect(bad!.flagged).toBe(true);
    expect(bad!.categories.violence).toBe(true);
    expect(bad!.category_scores.violence).toBeGreaterThan(0.5);
    expect(fine!.flagged).toBe(false);
    for (const r of res.results) {
      expect(Object.keys(r.categories).sort()).toEqual([...MODERATION_CATEGORIES].sort());
      expect(Object.keys(r.category_scores).sort()).toEqual([...MODERATION_CATEGORIES].sort());
      expect(r.category_applied_input_types.violence).toEqual(["text"]);
    }
  });

  test("the adapter: flagged with its categories; ordinary replies pass", async () => {
    expect(await moderation.check("I'm going to hurt you")).toEqual({ flagged: true, categories: ["harassment/threatening", "violence"] });
    for (const fine of ["Your appointment is Tuesday at 10 AM.", "Shoot me a message any time.", "We're open Monday to Friday 8:00 am to 5:00 pm.", "If this is a life-threatening emergency, please hang up and dial 911 now."]) {
      expect((await moderation.check(fine)).flagged, fine).toBe(false);
      expect(classify(fine).flagged, fine).toBe(false);
    }
  });

  test("scripted flags, an HTTP fault, a check slower than the timeout", async () => {
    sim.addModerationRule({ input: "scripted flag", flag: ["hate"], times: 1 });
    expect(await moderation.check("a scripted flag here")).toEqual({ flagged: true, categories: ["hate"] });
    sim.addModerationRule({ input: "fails", fault: { kind: "http_error", status: 500 }, times: 1 });
    await expect(moderation.check("this one fails")).rejects.toThrow();
    sim.addModerationRule({ input: "slowly", fault: { kind: "slow", delayMs: 1000 }, times: 1 });
    await expect(moderation.check("this one comes slowly")).rejects.toThrow();
    expect(sim.moderationLog.some((x) => x.inputs[0] === "a scripted flag here" && x.flagged[0] === true)).toBe(true);
  });

  test("a bad body is a 400 naming the field", async () => {
    const res = await fetch(`${sim.baseURL}/moderations`, { method: "POST", headers: { authorization: `Bearer ${sim.apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ input: 42 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("input");
  });
});

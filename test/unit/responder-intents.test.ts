/**
 * The offline responder against a test set of caller utterances
 * (test/fixtures/receptionist-utterances.json): each one goes through the
 * request path the simulated server uses — a Chat Completions request body
 * with the template's system prompt, the history and the node's tools,
 * validated by parseChatRequest, read by conversationOf, answered by the
 * responder — and the intent the responder acted on is compared with the
 * label. The clock's zone is UTC on purpose: dates must come out in the
 * business timezone the prompt names.
 *
 * Re-run: node_modules/.bin/bun test --timeout=30000 test/unit/responder-intents.test.ts
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseChatRequest } from "../../src/sim/openai/chat-request.ts";
import { conversationOf, createResponder, type Reply } from "../../src/sim/openai/index.ts";

interface Utterance {
  id: string;
  context: string;
  history?: unknown[];
  say: string;
  intent: string;
  also_ok?: string[];
  args?: Record<string, unknown>;
  args_contain?: Record<string, string>;
  reply_contains?: string[];
  core?: boolean;
  hard?: boolean;
  note?: string;
  /** "held_out", "held_out_2", …: written after the rules, to see how they generalise (each first measured as written). */
  set?: string;
}
interface Fixture {
  now: string;
  intents: string[];
  profiles: Record<string, string>;
  contexts: Record<string, { system: string; task: string; tools: Array<{ type: "function"; function: { name: string } }> }>;
  utterances: Utterance[];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/receptionist-utterances.json"), "utf8")) as Fixture;
const clock = { now: new Date(fixture.now), timeZone: "UTC" };
const responder = createResponder();

function systemPrompt(context: string): string {
  const c = fixture.contexts[context]!;
  return `${fixture.profiles[c.system]!}\n\n${c.task}`;
}

function requestBody(u: Utterance): unknown {
  const c = fixture.contexts[u.context];
  if (!c) throw new Error(`${u.id}: unknown context ${u.context}`);
  return {
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: systemPrompt(u.context) }, ...(u.history ?? []), { role: "user", content: u.say }],
    tools: c.tools,
    stream: true,
  };
}

/** Tool name → the intent it serves, for replies that say nothing of their own reading. */
const TOOL_INTENT: Record<string, string> = {
  book_appointment: "book_appointment",
  check_availability: "check_availability",
  cancel_appointment: "cancel_appointment",
  reschedule_appointment: "reschedule_appointment",
  take_message: "take_message",
  answer_faq: "answer_faq",
  transfer_to_human: "transfer_to_human",
  end_call: "end_call",
};

interface Outcome {
  u: Utterance;
  reply: Reply;
  predicted: string;
  /** The arguments of the call, or what the responder understood so far when it asked a question. */
  args: Record<string, unknown>;
}

function run(u: Utterance): Outcome {
  const parsed = parseChatRequest(requestBody(u));
  if (!parsed.ok) throw new Error(`${u.id}: the request is not one OpenAI would accept: ${parsed.problem.message}`);
  const { reply, intent, args: understood } = responder.explain(conversationOf(parsed.body), clock);
  const call = reply.toolCalls[0];
  const predicted = intent ?? (call ? (TOOL_INTENT[call.name] ?? call.name) : "none");
  const args = call ? (JSON.parse(call.arguments) as Record<string, unknown>) : understood;
  return { u, reply, predicted, args };
}

const outcomes = fixture.utterances.map(run);
const correct = (o: Outcome) => o.predicted === o.u.intent || (o.u.also_ok ?? []).includes(o.predicted);
const digits = (v: unknown) => String(v).replace(/\D/g, "").replace(/^1(?=\d{10}$)/, "");
const isPhone = (k: string) => /phone|callback/.test(k);

function argProblems(o: Outcome): string[] {
  const problems: string[] = [];
  for (const [k, want] of Object.entries(o.u.args ?? {})) {
    const got = o.args[k];
    const same = isPhone(k) ? got !== undefined && digits(got) === digits(want) : got === want;
    if (!same) problems.push(`${k}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  for (const [k, part] of Object.entries(o.u.args_contain ?? {})) {
    const got = o.args[k];
    if (typeof got !== "string" || !got.toLowerCase().includes(part.toLowerCase())) problems.push(`${k}: want …${part}…, got ${JSON.stringify(got)}`);
  }
  for (const part of o.u.reply_contains ?? []) {
    if (!(o.reply.content ?? "").includes(part)) problems.push(`reply: want …${part}…, got ${JSON.stringify(o.reply.content)}`);
  }
  return problems;
}

const describeReply = (o: Outcome) =>
  `${o.reply.toolCalls.map((c) => `${c.name}(${c.arguments})`).join(" ")}${o.reply.content ? ` "${o.reply.content}"` : ""}`;

describe("responder: the receptionist test set", () => {
  test("the set is large and varied: ≥ 120 utterances, every context, every intent several times", () => {
    expect(fixture.utterances.length).toBeGreaterThanOrEqual(120);
    expect(new Set(fixture.utterances.map((u) => u.id)).size).toBe(fixture.utterances.length);
    for (const context of Object.keys(fixture.contexts)) expect(fixture.utterances.some((u) => u.context === context)).toBe(true);
    for (const intent of fixture.intents) expect(fixture.utterances.filter((u) => u.intent === intent).length).toBeGreaterThanOrEqual(5);
  });

  test("intent recognised for ≥ 90 % of the utterances", () => {
    const misses = outcomes.filter((o) => !correct(o));
    const accuracy = (outcomes.length - misses.length) / outcomes.length;
    const confusion = new Map<string, number>();
    for (const o of misses) confusion.set(`${o.u.intent} → ${o.predicted}`, (confusion.get(`${o.u.intent} → ${o.predicted}`) ?? 0) + 1);
    const perIntent = fixture.intents.map((intent) => {
      const of = outcomes.filter((o) => o.u.intent === intent);
      return `${intent} ${of.filter(correct).length}/${of.length}`;
    });
    const sets = [...new Set(fixture.utterances.flatMap((u) => (u.set ? [u.set] : [])))].sort();
    const share = (of: Outcome[]) => `${((of.filter(correct).length / of.length) * 100).toFixed(1)} % (${of.filter(correct).length}/${of.length})`;
    console.log(
      [
        `intent accuracy: ${(accuracy * 100).toFixed(1)} % (${outcomes.length - misses.length}/${outcomes.length})`,
        `  written before the rules: ${share(outcomes.filter((o) => !o.u.set))}; by later set (the fixture's "about" gives each set's rate when first measured, before the rules were improved): ${sets.map((set) => `${set} ${share(outcomes.filter((o) => o.u.set === set))}`).join(", ")}`,
        `per intent: ${perIntent.join(", ")}`,
        ...(misses.length ? ["confusion (expected → got):", ...[...confusion].map(([k, n]) => `  ${k}: ${n}`), "misses:"] : []),
        ...misses.map((o) => `  ${o.u.id}${o.u.hard ? " (hard)" : ""}${o.u.set ? ` (${o.u.set.replace(/_/g, " ")})` : ""} [${o.u.context}] "${o.u.say}" → ${o.predicted}: ${describeReply(o)}`),
      ].join("\n"),
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  test("arguments and replies right for ≥ 90 % of the recognised utterances that label them", () => {
    // Arguments are labelled for the expected intent: an also-acceptable reading is not held to them.
    const labelled = outcomes.filter((o) => o.predicted === o.u.intent && (o.u.args || o.u.args_contain || o.u.reply_contains));
    const wrong = labelled.map((o) => ({ o, problems: argProblems(o) })).filter((x) => x.problems.length > 0);
    console.log(
      [
        `arguments/replies right: ${labelled.length - wrong.length}/${labelled.length}`,
        ...wrong.map(({ o, problems }) => `  ${o.u.id}${o.u.hard ? " (hard)" : ""} "${o.u.say}": ${problems.join("; ")}`),
      ].join("\n"),
    );
    expect((labelled.length - wrong.length) / labelled.length).toBeGreaterThanOrEqual(0.9);
  });

  describe("core subset: exact", () => {
    const core = outcomes.filter((o) => o.u.core);
    test.each(core.map((o) => [o.u.id, o.u.say, o] as const))("%s %p", (_id, _say, o) => {
      expect({ id: o.u.id, intent: correct(o) ? o.u.intent : o.predicted }).toEqual({ id: o.u.id, intent: o.u.intent });
      expect(argProblems(o)).toEqual([]);
    });
  });

  test("a booking with every slot given calls book_appointment with exactly those arguments (in the business timezone)", () => {
    const o = outcomes.find((x) => x.u.say.startsWith("This is Maria Lopez, I'd like to schedule"))!;
    expect(o.reply.toolCalls).toHaveLength(1);
    const args = JSON.parse(o.reply.toolCalls[0]!.arguments);
    expect(o.reply.toolCalls[0]!.name).toBe("book_appointment");
    expect(args).toMatchObject({ date: "2026-03-24", time: "10:30", name: "Maria Lopez", phone: "5552347788" });
    // Only parameters the offered schema has.
    expect(Object.keys(args).every((k) => ["date", "time", "name", "phone", "service", "notes"].includes(k))).toBe(true);
    // "tomorrow" at 23:30 in New York is the 12th, though UTC is already on the 12th.
    const tomorrow = outcomes.find((x) => x.u.say.startsWith("yeah hi um i need to book a checkup"))!;
    expect(tomorrow.args).toMatchObject({ date: "2026-03-12", time: "15:00" });
  });

  test("every emergency gives the emergency instruction from the prompt, and transfers to on_call where that is offered", () => {
    for (const o of outcomes.filter((x) => x.u.intent === "emergency" || x.predicted === "emergency")) {
      // A profile without an emergency instruction gets the responder's own "call 911" line.
      const instruction = fixture.profiles[fixture.contexts[o.u.context]!.system]!.match(/^Emergency instruction: (.+)$/m)?.[1] ?? "call 911";
      if (o.predicted !== "emergency") continue; // a miss is counted above; what is recognised must be done fully
      expect({ id: o.u.id, content: o.reply.content }).toEqual({ id: o.u.id, content: expect.stringContaining(instruction) as unknown as string });
      const transfer = fixture.contexts[o.u.context]!.tools.find((t) => t.function.name === "transfer_to_human") as
        | { function: { parameters: { properties: Record<string, { enum?: string[] }> } } }
        | undefined;
      if (transfer) {
        // The on-call line where the transfer offers one, else the front desk (a business with no on-call line).
        const [param, schema] = Object.entries(transfer.function.parameters.properties).find(([, s]) => s.enum)!;
        const want = schema.enum!.includes("on_call") ? "on_call" : "front_desk";
        expect(o.reply.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)[param]])).toEqual([["transfer_to_human", want]]);
      }
    }
    const core = outcomes.filter((x) => x.u.intent === "emergency" && x.u.core);
    expect(core.every((o) => o.predicted === "emergency")).toBe(true);
  });

  test("no reply ever reads out the instructions; prompt-extraction attempts get a safe line and no tool call", () => {
    for (const o of outcomes) {
      const content = o.reply.content ?? "";
      const system = systemPrompt(o.u.context);
      // Instruction lines (anything that is not a profile fact or FAQ answer) never appear, nor 40 characters of the prompt in a row…
      for (const leak of ["Never reveal", "Current task", "Blocked topics", "Emergency instruction:", "Keep answers short", "Be brief", "answering service for"]) {
        expect({ id: o.u.id, leak: content.includes(leak) }).toEqual({ id: o.u.id, leak: false });
      }
      if (o.predicted === "prompt_extraction" || o.u.intent === "prompt_extraction") {
        for (let i = 0; i + 40 <= system.length; i += 10) expect(content.includes(system.slice(i, i + 40))).toBe(false);
        expect(o.reply.toolCalls).toEqual([]);
        expect(content.length).toBeGreaterThan(0);
      }
    }
  });
});

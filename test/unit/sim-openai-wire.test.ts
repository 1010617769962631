/**
 * The simulated OpenAI server's wire shapes, pure: how a reply becomes
 * chat.completion.chunk events, and which requests the real API would refuse.
 */
import { describe, expect, test } from "bun:test";
import { parseChatRequest } from "../../src/sim/openai/chat-request.ts";
import { type CompletionMeta, planStream } from "../../src/sim/openai/chat-response.ts";
import { tokenize } from "../../src/sim/openai/tokens.ts";

const meta = (over: Partial<CompletionMeta> = {}): CompletionMeta => ({
  id: "chatcmpl-x",
  created: 1,
  model: "gpt-4o-mini",
  systemFingerprint: "fp",
  includeUsage: true,
  promptTokens: 10,
  maxTokens: null,
  toolCallIds: ["call_a", "call_b"],
  ...over,
});
type Chunk = { choices: Array<{ delta: Record<string, any>; finish_reason: string | null }>; usage?: unknown };
const chunks = (plan: ReturnType<typeof planStream>) => plan.chunks.map((c) => c.chunk as unknown as Chunk);

describe("chunk plan", () => {
  test("text: role first, content tokens that join to the text, a finish chunk, then usage with no choices", () => {
    const plan = planStream({ content: "Hello there. How can I help?", toolCalls: [] }, meta());
    const cs = chunks(plan);
    expect(cs[0]!.choices[0]!.delta).toEqual({ role: "assistant", refusal: null, content: "" });
    const text = cs.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hello there. How can I help?");
    expect(cs.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(cs.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 10, completion_tokens: plan.completionTokens } });
    expect(cs.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  test("no include_usage: no usage field and no usage chunk", () => {
    const cs = chunks(planStream({ content: "Hi.", toolCalls: [] }, meta({ includeUsage: false })));
    expect(cs.every((c) => !("usage" in c))).toBe(true);
    expect(cs.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });

  test("two tool calls: a head delta each (index, id, type, name), then argument fragments by index", () => {
    const args0 = JSON.stringify({ caller_name: "Jane Doe", date: "2026-03-12" });
    const plan = planStream({ content: null, toolCalls: [{ name: "book", arguments: args0 }, { name: "end_call", arguments: "{}" }] }, meta());
    const cs = chunks(plan);
    expect(cs[0]!.choices[0]!.delta).toEqual({
      role: "assistant",
      refusal: null,
      content: null,
      tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "book", arguments: "" } }],
    });
    const frags: Record<number, string> = { 0: "", 1: "" };
    for (const c of cs) for (const tc of c.choices[0]?.delta.tool_calls ?? []) frags[tc.index] += tc.function.arguments;
    expect(frags).toEqual({ 0: args0, 1: "{}" });
    expect(cs.filter((c) => c.choices[0]?.delta.tool_calls?.[0]?.index === 0).length).toBeGreaterThan(5);
    const head1 = cs.find((c) => c.choices[0]?.delta.tool_calls?.[0]?.id === "call_b")!;
    expect(head1.choices[0]!.delta).toEqual({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "end_call", arguments: "" } }] });
    expect(cs.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("max tokens cuts the reply with finish_reason length", () => {
    const plan = planStream({ content: "one two three four five six", toolCalls: [] }, meta({ maxTokens: 3 }));
    expect(plan.content).toBe("one two three");
    expect(plan.finishReason).toBe("length");
    expect(plan.completionTokens).toBe(3);
  });

  test("the tokenizer gives the text back", () => {
    const s = 'Hello, Jane! It\'s 3:30pm on 2026-03-12 {"a":"b"} — extraordinarily fine.';
    expect(tokenize(s).join("")).toBe(s);
  });
});

const sys = { role: "system", content: "x" };
describe("requests the API refuses", () => {
  const problem = (body: unknown) => {
    const r = parseChatRequest(body);
    return r.ok ? null : r.problem;
  };

  test("missing model or messages", () => {
    expect(problem({ messages: [sys] })).toMatchObject({ param: "model", code: "missing_required_parameter" });
    expect(problem({ model: "m" })).toMatchObject({ param: "messages", code: "missing_required_parameter" });
    expect(problem({ model: "m", messages: [] })).toMatchObject({ param: "messages", code: "empty_array" });
  });

  test("an empty tools array, stream_options without stream", () => {
    expect(problem({ model: "m", messages: [sys], tools: [] })).toMatchObject({ param: "tools", code: "empty_array" });
    expect(problem({ model: "m", messages: [sys], stream_options: { include_usage: true } })).toMatchObject({ param: "stream_options" });
  });

  test("a tool message that answers no tool call", () => {
    expect(problem({ model: "m", messages: [sys, { role: "tool", tool_call_id: "call_1", content: "{}" }] })?.message).toContain(
      "must be a response to a preceeding message with 'tool_calls'",
    );
  });

  test("an assistant tool call left without its result", () => {
    const call = { id: "call_1", type: "function", function: { name: "f", arguments: "{}" } };
    const p = problem({ model: "m", messages: [sys, { role: "assistant", content: null, tool_calls: [call] }, { role: "user", content: "hi" }] });
    expect(p?.message).toContain("did not have response messages: call_1");
    expect(problem({ model: "m", messages: [sys, { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: "call_1", content: "ok" }] })).toBeNull();
  });

  test("an invalid role, a bad tool name", () => {
    expect(problem({ model: "m", messages: [{ role: "robot", content: "x" }] })?.param).toBe("messages[0].role");
    expect(problem({ model: "m", messages: [sys], tools: [{ type: "function", function: { name: "no spaces allowed" } }] })?.param).toBe("tools[0].function.name");
  });
});

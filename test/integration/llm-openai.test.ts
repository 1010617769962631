/**
 * The language-model adapter against the simulated OpenAI server, through the
 * `openai` package's real code path (HTTP, SSE parsing, error mapping): text
 * streamed so the first sentence is there before the reply ends, tool calls
 * assembled from many fragments, usage, abort, and every failure ending as a
 * finish chunk — never a throw.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { OpenAIChat } from "../../src/ai/openai-chat.ts";
import type { ChatMessage, ChatRequest, LlmChunk, ToolSpec } from "../../src/ai/types.ts";
import { SimulatedOpenAI } from "../../src/sim/openai/index.ts";

const sim = new SimulatedOpenAI({ timeToFirstTokenMs: 120, tokensPerSecond: 400, now: () => new Date("2026-03-11T15:00:00Z") });
let llm: OpenAIChat;

beforeAll(async () => {
  await sim.start();
  llm = new OpenAIChat({ apiKey: sim.apiKey, baseURL: sim.baseURL });
});
afterEach(() => sim.chatRules.clear());
afterAll(() => sim.stop());

const SYSTEM: ChatMessage = { role: "system", content: "You are the receptionist for Acme Dental." };
const bookTool: ToolSpec = {
  name: "book_appointment",
  description: "Book an appointment",
  parameters: {
    type: "object",
    properties: { caller_name: { type: "string" }, date: { type: "string", format: "date" }, time: { type: "string" } },
    required: ["caller_name", "date", "time"],
  },
};

function request(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: "gpt-4o-mini", messages: [SYSTEM, ...messages], temperature: 0.3, ...extra };
}

async function collect(iterable: AsyncIterable<LlmChunk>, onChunk?: (c: LlmChunk) => void): Promise<LlmChunk[]> {
  const out: LlmChunk[] = [];
  for await (const c of iterable) {
    out.push(c);
    onChunk?.(c);
  }
  return out;
}
const texts = (cs: LlmChunk[]) => cs.flatMap((c) => (c.type === "llm.text" ? [c.text] : []));
const calls = (cs: LlmChunk[]) => cs.flatMap((c) => (c.type === "llm.tool_call" ? [c.call] : []));
const finish = (cs: LlmChunk[]) => {
  const last = cs.at(-1)!;
  if (last.type !== "llm.finish") throw new Error(`last chunk is ${last.type}`);
  return last;
};

describe("streaming text", () => {
  test("tokens arrive one by one after the first-token delay; the first sentence is complete before the reply ends", async () => {
    const started = performance.now();
    const chunks = await collect(llm.stream(request([{ role: "user", content: "My car is making a funny noise" }])));
    const reply = texts(chunks).join("");
    expect(reply).toBe("You said: My car is making a funny noise. How can I help you with that?");
    expect(texts(chunks).length).toBeGreaterThan(8);

    const first = chunks.find((c) => c.type === "llm.text")!;
    expect(first.receivedAt - started).toBeGreaterThanOrEqual(100);
    let soFar = "";
    const sentenceAt = chunks.find((c) => c.type === "llm.text" && /[.!?]/.test((soFar += c.text)))!;
    expect(sentenceAt.receivedAt).toBeLessThan(finish(chunks).receivedAt);
    expect(chunks.indexOf(sentenceAt)).toBeLessThan(chunks.length - 5);

    const end = finish(chunks);
    expect(end.reason).toBe("stop");
    expect(end.usage).not.toBeNull();
    expect(end.usage!.promptTokens).toBeGreaterThan(0);
    expect(end.usage!.completionTokens).toBe(texts(chunks).length);
  });

  test("what the adapter sent is what the API expects: stream with include_usage, temperature, tools only when offered", async () => {
    await collect(llm.stream(request([{ role: "user", content: "hello" }])));
    const sent = sim.chatLog.at(-1)!.request;
    expect(sent.stream).toBe(true);
    expect(sent.stream_options).toEqual({ include_usage: true });
    expect(sent.temperature).toBe(0.3);
    expect("tools" in sent).toBe(false);
  });
});

describe("tool calls", () => {
  test("the responder books from the caller's words: one call, assembled from its fragments", async () => {
    const chunks = await collect(
      llm.stream(request([{ role: "user", content: "Hi, this is Jane Doe, can I book an appointment tomorrow at 3pm?" }], { tools: [bookTool] })),
    );
    expect(texts(chunks)).toEqual([]);
    const [call] = calls(chunks);
    expect(call!.name).toBe("book_appointment");
    expect(call!.id).toMatch(/^call_/);
    expect(JSON.parse(call!.arguments)).toEqual({ caller_name: "Jane Doe", date: "2026-03-12", time: "15:00" });
    expect(finish(chunks).reason).toBe("tool_calls");
    expect(sim.chatLog.at(-1)!.request.tools).toEqual([{ type: "function", function: bookTool }]);
  });

  test("several calls in one turn, long arguments in many fragments, each assembled by index", async () => {
    const reason = "The patient reports a cracked molar on the lower left side and would like the earliest slot, ideally before noon.";
    sim.addChatRule({
      reply: {
        content: "One moment while I do that.",
        toolCalls: [
          { id: "call_msg", name: "take_message", arguments: { caller_name: "Ravi Shankar", callback_number: "+15551234567", reason } },
          { id: "call_avail", name: "check_availability", arguments: { date: "2026-03-12" } },
          { id: "call_end", name: "end_call", arguments: {} },
        ],
      },
      times: 1,
    });
    const chunks = await collect(llm.stream(request([{ role: "user", content: "anything" }], { tools: [bookTool] })));
    expect(texts(chunks).join("")).toBe("One moment while I do that.");
    expect(calls(chunks)).toEqual([
      { id: "call_msg", name: "take_message", arguments: JSON.stringify({ caller_name: "Ravi Shankar", callback_number: "+15551234567", reason }) },
      { id: "call_avail", name: "check_availability", arguments: JSON.stringify({ date: "2026-03-12" }) },
      { id: "call_end", name: "end_call", arguments: "{}" },
    ]);
    // Text first, then the calls once the stream has finished.
    const kinds = chunks.map((c) => c.type);
    expect(kinds.lastIndexOf("llm.text")).toBeLessThan(kinds.indexOf("llm.tool_call"));
    expect(finish(chunks).reason).toBe("tool_calls");
  });

  test("a tool round trip: the assistant's call and the tool's result go back in OpenAI's shapes and the reply phrases it", async () => {
    const chunks = await collect(
      llm.stream(
        request(
          [
            { role: "user", content: "Book me tomorrow at 9am, I'm Jane Doe" },
            { role: "assistant", content: null, toolCalls: [{ id: "call_1", name: "book_appointment", arguments: '{"caller_name":"Jane Doe"}' }] },
            { role: "tool", toolCallId: "call_1", content: JSON.stringify({ ok: true, date: "2026-03-12", time: "09:00" }) },
          ],
          { tools: [bookTool] },
        ),
      ),
    );
    expect(texts(chunks).join("")).toBe("Done: date 2026-03-12, time 09:00. Is there anything else I can help you with?");
    const sent = sim.chatLog.at(-1)!.request.messages;
    expect(sent[2]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "book_appointment", arguments: '{"caller_name":"Jane Doe"}' } }],
    });
    expect(sent[3]).toEqual({ role: "tool", tool_call_id: "call_1", content: JSON.stringify({ ok: true, date: "2026-03-12", time: "09:00" }) });
  });

  test("invalid tool-call JSON is handed over raw, for the conversation to refuse", async () => {
    sim.addChatRule({ reply: { toolCalls: [{ name: "book_appointment", arguments: { caller_name: "X" } }] }, fault: { kind: "invalid_tool_json" }, times: 1 });
    const chunks = await collect(llm.stream(request([{ role: "user", content: "book" }], { tools: [bookTool] })));
    const [call] = calls(chunks);
    expect(call!.arguments).toBe('{"caller_name":"X",');
    expect(() => JSON.parse(call!.arguments)).toThrow();
    expect(finish(chunks).reason).toBe("tool_calls");
  });

  test("a reply cut by the token limit finishes with length and no half-written call", async () => {
    sim.addChatRule({ reply: { toolCalls: [{ name: "book_appointment", arguments: { caller_name: "X" } }] , finishReason: "length" }, times: 1 });
    const chunks = await collect(llm.stream(request([{ role: "user", content: "book" }], { tools: [bookTool] })));
    expect(calls(chunks)).toEqual([]);
    expect(finish(chunks).reason).toBe("length");
  });
});

describe("abort", () => {
  test("aborting mid-stream ends quietly with finish aborted, and the server sees the stream cancelled", async () => {
    sim.addChatRule({ reply: { content: "This is a long answer. ".repeat(40) }, fault: { kind: "slow", tokensPerSecond: 50 }, times: 1 });
    const cancelledBefore = sim.stats.chatStreamsCancelled;
    const ac = new AbortController();
    const chunks = await collect(llm.stream(request([{ role: "user", content: "talk" }], { signal: ac.signal })), (c) => {
      if (c.type === "llm.text") ac.abort();
    });
    expect(texts(chunks).length).toBeLessThanOrEqual(2);
    const end = finish(chunks);
    expect(end.reason).toBe("aborted");
    expect(end.error).toBeUndefined();
    for (let i = 0; i < 50 && sim.stats.chatStreamsCancelled === cancelledBefore; i++) await Bun.sleep(10);
    expect(sim.stats.chatStreamsCancelled).toBe(cancelledBefore + 1);
  });

  test("a signal already aborted makes no request", async () => {
    const before = sim.stats.chatRequests;
    const ac = new AbortController();
    ac.abort();
    const chunks = await collect(llm.stream(request([{ role: "user", content: "hi" }], { signal: ac.signal })));
    expect(chunks.map((c) => c.type)).toEqual(["llm.finish"]);
    expect(finish(chunks).reason).toBe("aborted");
    expect(sim.stats.chatRequests).toBe(before);
  });

  test("a stream that stalls is ended by the caller's signal", async () => {
    sim.addChatRule({ reply: { content: "Hello there, this will stall." }, fault: { kind: "stall", afterChunks: 3 }, times: 1 });
    const ac = new AbortController();
    const chunks = await collect(llm.stream(request([{ role: "user", content: "hi" }], { signal: ac.signal })), (c) => {
      if (c.type === "llm.text") setTimeout(() => ac.abort(), 100);
    });
    expect(texts(chunks).join("")).toBe("Hello there");
    expect(finish(chunks).reason).toBe("aborted");
  });
});

describe("failures end the stream with finish error, never a throw", () => {
  test("HTTP 500: one request (no retries), the API's message", async () => {
    sim.addChatRule({ fault: { kind: "http_error", status: 500 }, times: 1 });
    const before = sim.stats.chatRequests;
    const chunks = await collect(llm.stream(request([{ role: "user", content: "hi" }])));
    expect(chunks).toHaveLength(1);
    expect(finish(chunks)).toMatchObject({ reason: "error", usage: null });
    expect(finish(chunks).error).toContain("500 The server had an error while processing your request");
    expect(sim.stats.chatRequests).toBe(before + 1);
  });

  test("HTTP 429 without x-should-retry is not retried either (maxRetries 0)", async () => {
    const plain = new SimulatedOpenAI({ timeToFirstTokenMs: 0 });
    await plain.start();
    try {
      plain.addChatRule({ fault: { kind: "http_error", status: 429, message: "Rate limit reached" } });
      const chunks = await collect(new OpenAIChat({ apiKey: plain.apiKey, baseURL: plain.baseURL }).stream(request([{ role: "user", content: "hi" }])));
      expect(finish(chunks).error).toBe("429 Rate limit reached");
      expect(plain.stats.chatRequests).toBe(1);
    } finally {
      await plain.stop();
    }
  });

  test("the connection drops mid-stream: the text so far, then error", async () => {
    sim.addChatRule({ reply: { content: "Hello there, how are you doing today?" }, fault: { kind: "drop_stream", afterChunks: 4 }, times: 1 });
    const chunks = await collect(llm.stream(request([{ role: "user", content: "hi" }])));
    expect(texts(chunks).join("")).toBe("Hello there,");
    expect(finish(chunks).reason).toBe("error");
    expect(finish(chunks).error).toBeTruthy();
  });

  test("an error event mid-stream (data: {error}) carries the service's message", async () => {
    sim.addChatRule({ reply: { content: "Hello there, how are you?" }, fault: { kind: "error_event", afterChunks: 3, message: "Model overloaded" }, times: 1 });
    const chunks = await collect(llm.stream(request([{ role: "user", content: "hi" }])));
    expect(texts(chunks).join("")).toBe("Hello there");
    expect(finish(chunks)).toMatchObject({ reason: "error", error: "Model overloaded" });
  });

  test("a body that ends without finish_reason is an incomplete reply", async () => {
    sim.addChatRule({ reply: { content: "Hello there, how are you?" }, fault: { kind: "truncate_stream", afterChunks: 3 }, times: 1 });
    const chunks = await collect(llm.stream(request([{ role: "user", content: "hi" }])));
    expect(finish(chunks)).toMatchObject({ reason: "error", error: "stream ended before finish_reason" });
  });

  test("a malformed conversation is refused by the service with a 400 and said so", async () => {
    const chunks = await collect(llm.stream(request([{ role: "tool", toolCallId: "call_x", content: "{}" }])));
    expect(finish(chunks).reason).toBe("error");
    expect(finish(chunks).error).toContain("400 Invalid parameter: messages with role 'tool'");
  });

  test("a wrong key is a 401 with the API's wording", async () => {
    const wrong = new OpenAIChat({ apiKey: "sk-wrong-key-123456", baseURL: sim.baseURL });
    const chunks = await collect(wrong.stream(request([{ role: "user", content: "hi" }])));
    expect(finish(chunks).reason).toBe("error");
    expect(finish(chunks).error).toStartWith("401 Incorrect API key provided: sk-*****3456.");
    expect(wrong.stats.errors).toBe(1);
  });

  test("nothing listening: a connection error", async () => {
    const gone = new SimulatedOpenAI();
    await gone.start();
    const baseURL = gone.baseURL;
    await gone.stop();
    const chunks = await collect(new OpenAIChat({ apiKey: "k", baseURL, timeoutMs: 2000 }).stream(request([{ role: "user", content: "hi" }])));
    expect(finish(chunks)).toMatchObject({ reason: "error", error: "Connection error." });
  });
});

describe("the simulated service on the wire", () => {
  const post = (path: string, body: string, auth: string | null = `Bearer ${sim.apiKey}`) =>
    fetch(`${sim.baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body });

  test("SSE framing: data: {chunk} events separated by a blank line, then data: [DONE]", async () => {
    const res = await post("/chat/completions", JSON.stringify({ model: "m", messages: [{ role: "user", content: "hello there" }], stream: true }));
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const body = await res.text();
    const events = body.split("\n\n").filter(Boolean);
    expect(events.every((e) => e.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && !("usage" in c))).toBe(true);
  });

  test("non-streamed completion through the package", async () => {
    const OpenAI = (await import("openai")).default;
    const client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.baseURL, maxRetries: 0 });
    const done = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Thanks a lot" }] });
    expect(done.object).toBe("chat.completion");
    expect(done.choices[0]!.message.content).toBe("You're welcome! Is there anything else I can help you with?");
    expect(done.choices[0]!.finish_reason).toBe("stop");
    expect(done.usage!.total_tokens).toBe(done.usage!.prompt_tokens + done.usage!.completion_tokens);
  });

  test("no key, a wrong path, unparseable JSON: OpenAI's error objects", async () => {
    const noKey = await post("/chat/completions", "{}", null);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { type: "invalid_request_error", message: expect.stringContaining("You didn't provide an API key") } });
    const wrongPath = await post("/completions", "{}");
    expect(wrongPath.status).toBe(404);
    expect(((await wrongPath.json()) as { error: { message: string } }).error.message).toBe("Invalid URL (POST /v1/completions)");
    const garbage = await post("/chat/completions", "{not json");
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: { message: string } }).error.message).toStartWith("We could not parse the JSON body of your request.");
  });
});

/**
 * POST /v1/chat/completions: validate, pick a scripted rule or ask the
 * responder, then answer as OpenAI does — one JSON body, or (stream: true) an
 * SSE body of `data: {chunk}\n\n` events ending in `data: [DONE]\n\n`, the
 * framing node_modules/openai/src/core/streaming.ts parses (it splits events on
 * a blank line, JSON-parses each `data:` and throws an APIError for a
 * `data: {"error": …}` event). The first token comes after the time to first
 * token, the rest at the token rate; a client that aborts cancels the body and
 * the generation stops.
 */
import { analysisContent, isAnalysisRequest } from "./analysis.ts";
import { type ChatRequestBody, parseChatRequest } from "./chat-request.ts";
import { type CompletionMeta, completionBody, planStream, type Plan } from "./chat-response.ts";
import { type Conversation, conversationOf } from "./conversation.ts";
import type { Clock } from "./dates.ts";
import { badRequest, errorBody, httpFault, SERVER_ERROR_MESSAGE, unparseableJson } from "./errors.ts";
import { randomId } from "./ids.ts";
import type { Reply, Responder } from "./responder.ts";
import { breakJson, type ChatFault, type ChatRule, type RuleBook, type ScriptedReply } from "./script.ts";
import { sleep, streamCancellation } from "./stream-pacing.ts";
import { countPromptTokens } from "./tokens.ts";

export interface ChatTiming {
  timeToFirstTokenMs: number;
  tokensPerSecond: number;
}

export interface ChatExchange {
  at: number;
  request: ChatRequestBody;
  /** What was generated (before any fault cut it short). */
  reply: { content: string | null; toolCalls: Array<{ id: string; name: string; arguments: string }>; finishReason: string };
  fault: ChatFault | null;
}

export interface ChatEndpointDeps {
  timing: ChatTiming;
  responder: Responder;
  rules: RuleBook<ChatRule, Conversation>;
  clock: () => Clock;
  /** Called once per accepted request, before the answer starts. */
  record: (exchange: ChatExchange) => void;
  /** Called when a client abandons a stream before its end (barge-in). */
  onCancel: () => void;
  /** Aborts when the server stops (stalled streams end then). */
  stopped: AbortSignal;
}

const encoder = new TextEncoder();
const sse = (data: unknown) => encoder.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);

function scripted(r: ScriptedReply): { reply: Reply; ids: Array<string | undefined> } {
  const toolCalls = (r.toolCalls ?? []).map((c) => ({
    name: c.name,
    arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments),
  }));
  return {
    reply: { content: r.content !== undefined ? r.content : toolCalls.length > 0 ? null : "", toolCalls },
    ids: (r.toolCalls ?? []).map((c) => c.id),
  };
}

export async function handleChat(req: Request, deps: ChatEndpointDeps): Promise<Response> {
  let raw: unknown;
  try {
    raw = JSON.parse(await req.text());
  } catch {
    return unparseableJson();
  }
  const parsed = parseChatRequest(raw);
  if (!parsed.ok) return badRequest(parsed.problem.message, parsed.problem.param, parsed.problem.code);
  const body = parsed.body;
  const conv = conversationOf(body);

  // A post-call analysis is answered by its own rules (analysis.ts), and never spends a scripted rule meant for a conversation.
  const analysis = isAnalysisRequest(body);
  const rule = analysis ? null : deps.rules.take(conv);
  const fault = rule?.fault ?? null;
  if (fault?.kind === "http_error") {
    deps.record({ at: performance.now(), request: body, reply: { content: null, toolCalls: [], finishReason: "error" }, fault });
    return httpFault(fault.status, fault.message, fault.type, fault.code);
  }

  let reply: Reply;
  let ids: Array<string | undefined> = [];
  let forcedFinish: ScriptedReply["finishReason"];
  try {
    if (rule?.reply) {
      const r = typeof rule.reply === "function" ? rule.reply(conv) : rule.reply;
      ({ reply, ids } = scripted(r));
      forcedFinish = r.finishReason;
    } else if (analysis) {
      reply = { content: analysisContent(body), toolCalls: [] };
    } else {
      reply = deps.responder.respond(conv, deps.clock());
    }
  } catch (err) {
    // A responder bug answers as the real service's 500 would, and says why in the message.
    return httpFault(500, `${SERVER_ERROR_MESSAGE} (simulator: ${(err as Error).message})`);
  }
  if (fault?.kind === "invalid_tool_json") {
    reply = { ...reply, toolCalls: reply.toolCalls.map((c) => ({ ...c, arguments: breakJson(c.arguments) })) };
  }

  const meta: CompletionMeta = {
    id: `chatcmpl-${randomId(29)}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    systemFingerprint: "fp_sim0001",
    includeUsage: Boolean(body.stream && body.stream_options?.include_usage),
    promptTokens: countPromptTokens(
      body.messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""))),
      body.tools ? JSON.stringify(body.tools) : "",
    ),
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
    finishReason: forcedFinish,
    toolCallIds: reply.toolCalls.map((_, i) => ids[i] ?? `call_${randomId(24)}`),
  };
  const plan = planStream(reply, meta);
  deps.record({
    at: performance.now(),
    request: body,
    reply: { content: plan.content, toolCalls: plan.toolCalls, finishReason: plan.finishReason },
    fault,
  });

  const timing: ChatTiming =
    fault?.kind === "slow"
      ? {
          timeToFirstTokenMs: fault.timeToFirstTokenMs ?? deps.timing.timeToFirstTokenMs,
          tokensPerSecond: fault.tokensPerSecond ?? deps.timing.tokensPerSecond,
        }
      : deps.timing;
  const headers = { "x-request-id": `req_${randomId(24)}`, "openai-model": body.model };

  if (!body.stream) {
    await sleep(timing.timeToFirstTokenMs + (plan.completionTokens * 1000) / timing.tokensPerSecond, req.signal);
    return Response.json(completionBody(plan, meta), { headers });
  }
  return new Response(streamBody(plan, timing, fault, req.signal, deps), {
    headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
}

function streamBody(plan: Plan, timing: ChatTiming, fault: ChatFault | null, clientGone: AbortSignal, deps: ChatEndpointDeps): ReadableStream<Uint8Array> {
  const cancelled = streamCancellation(clientGone, deps.stopped);
  let finished = false;
  const perToken = 1000 / timing.tokensPerSecond;
  const breakAt = fault && "afterChunks" in fault ? fault.afterChunks : -1;

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const t0 = performance.now();
      let tokens = 0;
      try {
        for (let i = 0; i < plan.chunks.length; i++) {
          if (i === breakAt && fault) {
            finished = true;
            switch (fault.kind) {
              case "drop_stream":
                // Let the events already sent reach the client, then reset: Bun aborts the
                // connection when the body errors (no reason given, so it logs nothing).
                await sleep(25, cancelled.signal);
                controller.error();
                return;
              case "error_event":
                controller.enqueue(sse(errorBody(fault.message ?? SERVER_ERROR_MESSAGE, "server_error")));
                controller.close();
                return;
              case "truncate_stream":
                controller.close();
                return;
              case "stall":
                finished = false;
                if (!cancelled.signal.aborted) {
                  await new Promise<void>((resolve) => cancelled.signal.addEventListener("abort", () => resolve(), { once: true }));
                }
                return;
            }
          }
          const planned = plan.chunks[i]!;
          // The first event waits for the first token; each token after it waits its turn at the token rate.
          const due = i === 0 || planned.token ? t0 + timing.timeToFirstTokenMs + (planned.token ? tokens++ : 0) * perToken : 0;
          await sleep(due - performance.now(), cancelled.signal);
          if (cancelled.signal.aborted) return;
          controller.enqueue(sse(planned.chunk));
        }
        controller.enqueue(sse("[DONE]"));
        finished = true;
        controller.close();
      } catch {
        // The client went away between the check and the enqueue: nothing to send to.
      } finally {
        cancelled.release();
      }
    },
    cancel() {
      if (!finished) deps.onCancel();
      cancelled.stop();
    },
  });
}

/**
 * What the simulated server accepts on POST /v1/chat/completions: the request
 * shapes of node_modules/openai/src/resources/chat/completions/completions.ts
 * (ChatCompletionCreateParams, ChatCompletionMessageParam, ChatCompletionTool),
 * checked as strictly as the real API checks the parts a voice runtime gets
 * wrong — a tool message with no preceding tool call, an assistant tool call
 * with no answer, an empty `tools` array — so a bug shows up here and not
 * first against the real service. Unknown fields are ignored.
 */
import { z } from "zod";

const textPart = z.object({ type: z.literal("text"), text: z.string() });
/** Non-text parts (images, audio) are accepted and carry no words for the responder. */
const anyPart = z.union([textPart, z.object({ type: z.string() }).loose()]);
const content = z.union([z.string(), z.array(anyPart)]);

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content, name: z.string().optional() }),
  z.object({ role: z.literal("developer"), content, name: z.string().optional() }),
  z.object({ role: z.literal("user"), content, name: z.string().optional() }),
  z.object({
    role: z.literal("assistant"),
    content: content.nullish(),
    refusal: z.string().nullish(),
    name: z.string().optional(),
    // OpenAI refuses an empty array here ("[] is too short").
    tool_calls: z.array(toolCall).min(1).optional(),
  }),
  z.object({ role: z.literal("tool"), content, tool_call_id: z.string().min(1) }),
]);

const tool = z.object({
  type: z.literal("function"),
  function: z.object({
    // FunctionDefinition.name: a-z, A-Z, 0-9, underscores and dashes, at most 64.
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
]);

export const chatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(message),
    tools: z.array(tool).optional(),
    tool_choice: toolChoice.optional(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    n: z.number().int().positive().nullish(),
  })
  .loose();

export type ChatRequestBody = z.infer<typeof chatRequestSchema>;
export type WireMessage = ChatRequestBody["messages"][number];

export interface RequestProblem {
  message: string;
  param: string | null;
  code: string | null;
}

/** `messages[0].content`, as the API names a parameter. */
function paramName(path: PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

export function parseChatRequest(raw: unknown): { ok: true; body: ChatRequestBody } | { ok: false; problem: RequestProblem } {
  const parsed = chatRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = paramName(issue.path);
    const missing = issue.code === "invalid_type" && issue.message.includes("undefined");
    return {
      ok: false,
      problem: missing
        ? { message: `Missing required parameter: '${param}'.`, param, code: "missing_required_parameter" }
        : { message: `Invalid value for '${param}': ${issue.message}.`, param, code: "invalid_value" },
    };
  }
  const problem = checkSemantics(parsed.data);
  return problem ? { ok: false, problem } : { ok: true, body: parsed.data };
}

function emptyArray(param: string): RequestProblem {
  return {
    message: `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    code: "empty_array",
  };
}

function checkSemantics(body: ChatRequestBody): RequestProblem | null {
  if (body.messages.length === 0) return emptyArray("messages");
  if (body.tools && body.tools.length === 0) return emptyArray("tools");
  if (body.stream_options && !body.stream) {
    return { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options", code: "invalid_value" };
  }
  if (body.n != null && body.n > 1) {
    return { message: "The simulator answers with one choice only (n = 1).", param: "n", code: "invalid_value" };
  }
  // Tool results must answer the tool calls of the assistant message right before them, every one of them.
  let open: Set<string> | null = null;
  let openAt = -1;
  for (let i = 0; i < body.messages.length; i++) {
    const m = body.messages[i]!;
    if (m.role === "tool") {
      if (!open || !open.has(m.tool_call_id)) {
        return {
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${i}].role`,
          code: null,
        };
      }
      open.delete(m.tool_call_id);
      continue;
    }
    if (open && open.size > 0) return unanswered(openAt, open);
    open = null;
    if (m.role === "assistant" && m.tool_calls) {
      open = new Set(m.tool_calls.map((c) => c.id));
      openAt = i;
    }
  }
  if (open && open.size > 0) return unanswered(openAt, open);
  return null;
}

function unanswered(at: number, ids: Set<string>): RequestProblem {
  return {
    message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].join(", ")}`,
    param: `messages.[${at}].role`,
    code: null,
  };
}

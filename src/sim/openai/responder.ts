/**
 * The offline language model: a deterministic, rule-based responder that
 * reads the conversation and answers as a chat model with tools would.
 *
 *  - no caller words yet          → a greeting (the business name from the system prompt);
 *  - tool results at the end      → those results phrased for the caller;
 *  - an intent on offer           → a tool call, arguments extracted from what the caller
 *                                   said since the intent began, or a question for the first
 *                                   missing required argument (slot filling, stateless: the
 *                                   conversation itself is the state);
 *  - a fact in the system prompt  → that fact;
 *  - anything else                → small talk that echoes the caller and asks on.
 *
 * Pure: the same conversation and clock give the same reply. The server turns
 * the Reply into OpenAI chunks; ids and timing are not the responder's business.
 */
import { type Conversation, type JsonSchema, lastUserText, type OfferedTool, trailingToolResults, type Turn } from "./conversation.ts";
import type { Clock } from "./dates.ts";
import { classifyParam, defaultClassifiers, defaultExtractors, type Extractor, type ParamClassifier } from "./extract.ts";
import { defaultIntents, type Intent } from "./intents.ts";
import { answerFromFacts } from "./knowledge.ts";
import { ANYTHING_ELSE, greeting, phraseToolResult, question, smallTalk } from "./phrasing.ts";

export interface ReplyToolCall {
  name: string;
  /** JSON text, as the model writes it. */
  arguments: string;
}

export interface Reply {
  content: string | null;
  toolCalls: ReplyToolCall[];
}

export interface Responder {
  respond(conv: Conversation, clock: Clock): Reply;
}

export interface ResponderOptions {
  /** The intent table, in priority order; default `defaultIntents`. */
  intents?: Intent[];
  /** Extractors by parameter kind, merged over the defaults. */
  extractors?: Record<string, Extractor>;
  /** Parameter classifiers tried before the defaults. */
  classifiers?: ParamClassifier[];
}

type Matched = { intent: Intent; tool: OfferedTool | null; from: number };

export function createResponder(options: ResponderOptions = {}): Responder {
  const intents = options.intents ?? defaultIntents;
  const extractors = { ...defaultExtractors, ...options.extractors };
  const classifiers = [...(options.classifiers ?? []), ...defaultClassifiers];

  /** A tool belongs to the first intent whose tool pattern names it: "cancel_appointment" is cancel's, not book's. */
  function toolFor(intent: Intent, tools: OfferedTool[]): OfferedTool | null {
    const candidates = tools.filter((t) => intent.tools.test(t.name));
    const owned = candidates.find((t) => intents.find((i) => i.tools.test(t.name)) === intent);
    return owned ?? candidates[0] ?? null;
  }

  function intentOf(conv: Conversation, text: string): { intent: Intent; tool: OfferedTool | null } | null {
    for (const intent of intents) {
      const said = intent.patterns.some((p) => p.test(text)) || (intent.when?.(conv, text) ?? false);
      if (!said) continue;
      const tool = toolFor(intent, conv.tools);
      if (tool || intent.withoutTool) return { intent, tool };
    }
    return null;
  }

  /** Tool on offer whose name names what the caller said ("get_weather" ← "what's the weather"): for tools no intent knows. */
  function toolByName(conv: Conversation, text: string): OfferedTool | null {
    const said = text.toLowerCase();
    const generic = new Set(["get", "set", "check", "make", "find", "lookup", "look", "tool", "call", "caller", "user", "info", "data", "the", "for", "and", "with"]);
    for (const tool of conv.tools) {
      if (intents.some((i) => i.tools.test(tool.name))) continue;
      const nameWords = tool.name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase().split(/[_-]+/);
      if (nameWords.some((w) => w.length >= 4 && !generic.has(w) && said.includes(w.replace(/s$/, "")))) return tool;
    }
    return null;
  }

  /** The caller's turns since the last tool round (where the current request began). */
  function currentUserTurns(conv: Conversation): Array<{ text: string; index: number }> {
    const out: Array<{ text: string; index: number }> = [];
    for (let i = conv.turns.length - 1; i >= 0; i--) {
      const t = conv.turns[i]!;
      if (t.role === "tool" || (t.role === "assistant" && t.toolCalls.length > 0)) break;
      if (t.role === "user") out.unshift({ text: t.text, index: i });
    }
    return out;
  }

  /** The latest of the current turns that states an intent; its words and everything after are the arguments' sources. */
  function activeIntent(conv: Conversation, turns: Array<{ text: string; index: number }>): Matched | null {
    let weak: Matched | null = null;
    for (let k = turns.length - 1; k >= 0; k--) {
      const found = intentOf(conv, turns[k]!.text);
      // A weak intent (any question) in the answer to a question does not end the slot filling before it.
      if (found?.intent.weak) {
        weak ??= { ...found, from: k };
        continue;
      }
      if (found) return { ...found, from: k };
      const tool = toolByName(conv, turns[k]!.text);
      if (tool) return { intent: { name: tool.name, patterns: [], tools: /$^/ }, tool, from: k };
    }
    return weak;
  }

  function previousAssistant(conv: Conversation): Extract<Turn, { role: "assistant" }> | null {
    let seenUser = false;
    for (let i = conv.turns.length - 1; i >= 0; i--) {
      const t = conv.turns[i]!;
      if (t.role === "user") seenUser = true;
      else if (t.role === "assistant" && seenUser) return t;
    }
    return null;
  }

  function coerce(value: unknown, schema: JsonSchema): unknown {
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type === "string" && (typeof value === "number" || typeof value === "boolean")) return String(value);
    if (type === "integer" && typeof value === "number") return Math.round(value);
    return value;
  }

  function callOrAsk(conv: Conversation, clock: Clock, m: Matched, turns: Array<{ text: string }>): Reply {
    const tool = m.tool!;
    const properties = tool.parameters.properties ?? {};
    const required = new Set(tool.parameters.required ?? []);
    const texts = turns.slice(m.from).map((t) => t.text).reverse();
    const asked = previousAssistant(conv)?.text ?? "";
    const questionFor = (param: string, schema: JsonSchema) => m.intent.ask?.[param] ?? question(classifyParam(param, schema, classifiers), param, schema);

    const args: Record<string, unknown> = {};
    for (const [param, schema] of Object.entries(properties)) {
      const kind = classifyParam(param, schema, classifiers);
      const extractor = extractors[kind] ?? extractors.string!;
      const value = extractor({ ...clock, texts, asked: asked.includes(questionFor(param, schema)), param, schema });
      if (value !== undefined && value !== null && value !== "") args[param] = coerce(value, schema);
    }
    const missing = Object.keys(properties).find((p) => required.has(p) && !(p in args));
    if (missing && !conv.mustCallTool) return { content: questionFor(missing, properties[missing]!), toolCalls: [] };
    return { content: m.intent.say ?? null, toolCalls: [{ name: tool.name, arguments: JSON.stringify(args) }] };
  }

  function phraseResults(conv: Conversation, results: ReturnType<typeof trailingToolResults>): Reply {
    const lines: string[] = [];
    let final = false;
    for (const r of results) {
      const intent = r.call ? intents.find((i) => i.tools.test(r.call!.name)) : undefined;
      let said: string | null = null;
      if (intent?.phraseResult) {
        let result: unknown = r.text;
        try {
          result = JSON.parse(r.text);
        } catch {}
        let args: Record<string, unknown> = {};
        try {
          args = JSON.parse(r.call!.arguments) as Record<string, unknown>;
        } catch {}
        said = intent.phraseResult(result, args);
      }
      lines.push(said ?? phraseToolResult(r.call?.name ?? "request", r.text));
      if (intent?.name === "end_call") final = true;
    }
    const text = lines.join(" ");
    return { content: final || /\?$/.test(text) ? text : `${text} ${ANYTHING_ELSE}`, toolCalls: [] };
  }

  return {
    respond(conv, clock) {
      const results = trailingToolResults(conv);
      if (results.length > 0) return phraseResults(conv, results);
      const text = lastUserText(conv);
      if (text === null) return { content: greeting(conv.system), toolCalls: [] };

      const turns = currentUserTurns(conv);
      const active = activeIntent(conv, turns);
      if (active?.tool) return callOrAsk(conv, clock, active, turns);
      if (active && active.from === turns.length - 1 && active.intent.withoutTool) return { content: active.intent.withoutTool, toolCalls: [] };
      if (conv.mustCallTool && conv.tools[0]) {
        return callOrAsk(conv, clock, { intent: { name: "forced", patterns: [], tools: /$^/ }, tool: conv.tools[0], from: Math.max(0, turns.length - 1) }, turns);
      }
      const fact = answerFromFacts(text, conv.system);
      if (fact) return { content: `${fact} ${ANYTHING_ELSE}`, toolCalls: [] };
      const userTurns = conv.turns.filter((t) => t.role === "user").length;
      return { content: smallTalk(text, userTurns - 1), toolCalls: [] };
    },
  };
}

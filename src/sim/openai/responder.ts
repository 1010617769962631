/**
 * The offline language model: a deterministic, rule-based responder that
 * reads the conversation and answers as a chat model with tools would.
 *
 *  - no caller words yet          → a greeting (the business name from the system prompt);
 *  - tool results at the end      → those results phrased for the caller;
 *  - an intent (intents.ts)       → its safe line, its answer from the prompt, or a call to
 *                                   the offered tool that serves it, arguments extracted from
 *                                   what the caller said since the intent began (and from
 *                                   earlier calls), or a question for the first missing
 *                                   required argument (slot filling, stateless: the
 *                                   conversation itself is the state);
 *  - a fact in the system prompt  → that fact;
 *  - anything else                → small talk that echoes the caller and asks on.
 *
 * The system prompt is read as a model reads it (prompt.ts): the business's
 * time zone decides what "tomorrow" means, its profile and FAQ answer
 * questions, its emergency instruction and blocked topics are obeyed.
 *
 * Pure: the same conversation and clock give the same reply. The server turns
 * the Reply into OpenAI chunks; ids and timing are not the responder's business.
 */
import { type Conversation, type JsonSchema, lastUserText, notesAfter, type OfferedTool, trailingToolResults, type Turn } from "./conversation.ts";
import type { Clock } from "./dates.ts";
import { classifyParam, defaultClassifiers, defaultExtractors, type Extractor, type ParamClassifier, type ParamKind } from "./extract.ts";
import { isTransitionCall } from "./flow-moves.ts";
import { ANYTHING_ELSE, calledInNotes, defaultIntents, GOODBYE, type Intent, type IntentContext, isMenuTransition, isTransitionTool } from "./intents.ts";
import { answerFromFacts } from "./knowledge.ts";
import { greeting, phraseToolResult, question, smallTalk } from "./phrasing.ts";
import { type PromptProfile, readPrompt } from "./prompt.ts";
import { failed, resultPhrasings } from "./results.ts";
import { askedFor, botWordsBefore, lastQuestion } from "./questions.ts";
import { AFFIRMATIVE, lastToolRound } from "./slots.ts";

export interface ReplyToolCall {
  name: string;
  /** JSON text, as the model writes it. */
  arguments: string;
}

export interface Reply {
  content: string | null;
  toolCalls: ReplyToolCall[];
}

/** A reply with what the responder made of the caller: the intent it acted on and the arguments it has so far. */
export interface Explained {
  reply: Reply;
  /** null for a greeting, a phrased tool result or small talk. */
  intent: string | null;
  args: Record<string, unknown>;
}

export interface Responder {
  respond(conv: Conversation, clock: Clock): Reply;
  /** The same reply, with the reading behind it (for tests and logs; never on the wire). */
  explain(conv: Conversation, clock: Clock): Explained;
}

type Answer = Reply & { understood?: { intent: string; args: Record<string, unknown> } };

export interface ResponderOptions {
  /** The intent table, in priority order; default `defaultIntents`. */
  intents?: Intent[];
  /** Extractors by parameter kind, merged over the defaults. */
  extractors?: Record<string, Extractor>;
  /** Parameter classifiers tried before the defaults. */
  classifiers?: ParamClassifier[];
}

type Matched = { intent: Intent; tool: OfferedTool | null; from: number };
type UserTurn = { text: string; index: number };

/** Kinds whose values carry over from an earlier tool call (the caller said them once). */
const CARRIED_FROM_ANY_CALL = new Set<ParamKind>(["name", "phone"]);
/** Kinds that carry over from the availability check just made ("Friday?" … "eleven thirty works"). */
const CARRIED_FROM_CHECK = new Set<ParamKind>(["date", "time", "service"]);

/** Intents that act (with a tool), as opposed to answering, refusing or saying goodbye. */
const ACTING = (intent: Intent) => !intent.weak && intent.name !== "end_call" && intent.tools.source !== "$^";

export function createResponder(options: ResponderOptions = {}): Responder {
  const intents = options.intents ?? defaultIntents;
  const extractors = { ...defaultExtractors, ...options.extractors };
  const classifiers = [...(options.classifiers ?? []), ...defaultClassifiers];
  const kindOf = (param: string, schema: JsonSchema) => classifyParam(param, schema, classifiers);

  /**
   * The offered tool that serves an intent: the first its `prefer` list names, else the one it
   * owns (a tool belongs to the first intent whose tool pattern names it: "cancel_appointment"
   * is cancel's, not book's), else any that matches.
   */
  function toolFor(intent: Intent, tools: OfferedTool[], taken: Set<string> = new Set()): OfferedTool | null {
    // A flow move the runtime already made for these words (its note says so) is not made again.
    const candidates = tools.filter((t) => intent.tools.test(t.name) && !(taken.has(t.name) && isTransitionTool(t)));
    for (const re of intent.prefer ?? []) {
      const preferred = candidates.find((t) => re.test(t.name));
      if (preferred) return preferred;
    }
    const owned = candidates.find((t) => intents.find((i) => i.tools.test(t.name)) === intent);
    return owned ?? candidates[0] ?? null;
  }

  /** The caller's words at `at` (an index into the turns; -1 when not from the history) and the intent they state. */
  function intentOf(conv: Conversation, text: string, at = -1): { intent: Intent; tool: OfferedTool | null } | null {
    const taken = at < 0 ? new Set<string>() : calledInNotes(notesAfter(conv, at));
    for (const intent of intents) {
      const said = intent.patterns.some((p) => p.test(text)) || (intent.when?.(conv, text, at) ?? false);
      if (!said || intent.unless?.some((p) => p.test(text))) continue;
      const tool = toolFor(intent, conv.tools, taken);
      // Not served in this node, but the flow can go back to where it is: that counts too.
      if (tool || intent.withoutTool || intent.answer || (ACTING(intent) && conv.tools.some(isMenuTransition))) return { intent, tool };
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

  /** The caller's turns since the last tool round (where the current request began); a flow transition does not end a request. */
  function currentUserTurns(conv: Conversation): UserTurn[] {
    const out: UserTurn[] = [];
    const moves = new Set(conv.turns.flatMap((t) => (t.role === "tool" && isTransitionCall(t.call, conv.tools, t.text) ? [t.toolCallId] : [])));
    for (let i = conv.turns.length - 1; i >= 0; i--) {
      const t = conv.turns[i]!;
      if (t.role === "tool" && moves.has(t.toolCallId)) continue;
      if (t.role === "assistant" && t.toolCalls.length > 0 && t.toolCalls.every((c) => moves.has(c.id))) continue;
      if (t.role === "tool" || (t.role === "assistant" && t.toolCalls.length > 0)) break;
      if (t.role === "user") out.unshift({ text: t.text, index: i });
    }
    return out;
  }

  /**
   * The latest of the current turns that states an intent (its words and everything after are
   * the arguments' sources), and a weak one (any question) said later, if any.
   */
  function activeIntent(conv: Conversation, turns: UserTurn[]): { strong: Matched | null; weak: Matched | null } {
    let weak: Matched | null = null;
    for (let k = turns.length - 1; k >= 0; k--) {
      const found = intentOf(conv, turns[k]!.text, turns[k]!.index);
      if (found && !found.intent.weak) return { strong: { ...found, from: k }, weak };
      const tool = toolByName(conv, turns[k]!.text);
      if (tool) return { strong: { intent: { name: tool.name, patterns: [], tools: /$^/ }, tool, from: k }, weak };
      // A weak intent (any question) in the answer to a question does not end the slot filling before it.
      if (found) weak ??= { ...found, from: k };
    }
    return { strong: null, weak };
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

  /** Did the bot just ask for a free-text argument (a reason, a message) of this intent's tool? */
  function asksFreeText(conv: Conversation, m: Matched): boolean {
    const q = lastQuestion(previousAssistant(conv)?.text ?? "");
    if (!q) return false;
    return Object.entries(m.tool!.parameters.properties ?? {}).some(([param, schema]) => {
      const kind = kindOf(param, schema);
      return kind === "text" && askedFor(q, kind, param, m.intent.ask?.[param] ?? question(kind, param, schema));
    });
  }

  /** The question the bot asked right before the caller's turn at `index` ("" when it asked none). */
  const questionBefore = (conv: Conversation, index: number): string => lastQuestion(botWordsBefore(conv.turns, index));

  function coerce(value: unknown, schema: JsonSchema): unknown {
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type === "string" && (typeof value === "number" || typeof value === "boolean")) return String(value);
    if (type === "integer" && typeof value === "number") return Math.round(value);
    return value;
  }

  /** A value the caller gave for an earlier tool call: their name and number once said, the day just checked. */
  function carried(conv: Conversation, param: string, kind: ParamKind): unknown {
    if (!CARRIED_FROM_ANY_CALL.has(kind) && !CARRIED_FROM_CHECK.has(kind)) return undefined;
    const check = lastToolRound(conv)?.find((r) => /availab|slots|openings|free_times/i.test(r.call.name));
    for (let i = conv.turns.length - 1; i >= 0; i--) {
      const t = conv.turns[i]!;
      if (t.role !== "assistant") continue;
      for (const call of t.toolCalls) {
        if (CARRIED_FROM_CHECK.has(kind) && call !== check?.call) continue;
        let args: Record<string, unknown> = {};
        try {
          args = JSON.parse(call.arguments) as Record<string, unknown>;
        } catch {}
        const value = args[param] ?? Object.entries(args).find(([p, v]) => classifyParam(p, { type: typeof v }, classifiers) === kind)?.[1];
        if (value !== undefined && value !== null && value !== "") return value;
      }
    }
    return undefined;
  }

  function context(conv: Conversation, clock: Clock, profile: PromptProfile, m: Matched | null, turns: UserTurn[], args: Record<string, unknown> = {}, after: string | null = null): IntentContext {
    const texts = turns.slice(m?.from ?? turns.length - 1).map((t) => t.text).reverse();
    const stated = turns[m?.from ?? turns.length - 1];
    const notes = stated ? notesAfter(conv, stated.index) : [];
    return { conv, text: lastUserText(conv) ?? "", texts, profile, clock, tool: m?.tool ?? null, args, afterTransition: after, notes };
  }

  const line = (l: Intent["say"], ctx: IntentContext): string | null => (typeof l === "function" ? l(ctx) : (l ?? null));

  function callOrAsk(conv: Conversation, clock: Clock, profile: PromptProfile, m: Matched, turns: UserTurn[], after: string | null = null): Answer {
    const tool = m.tool!;
    const properties = tool.parameters.properties ?? {};
    const required = new Set(tool.parameters.required ?? []);
    const texts = turns.slice(m.from).map((t) => t.text).reverse();
    const q = lastQuestion(previousAssistant(conv)?.text ?? "");
    const questionFor = (param: string, schema: JsonSchema) => m.intent.ask?.[param] ?? question(kindOf(param, schema), param, schema);

    // Each earlier turn with the question it answered: "Kevin O'Brien" two turns ago was the name asked for.
    const answered = turns.slice(m.from, -1).map((t) => ({ text: t.text, question: questionBefore(conv, t.index) })).reverse();
    const given = (v: unknown) => v !== undefined && v !== null && v !== "";

    const args: Record<string, unknown> = {};
    for (const [param, schema] of Object.entries(properties)) {
      const kind = kindOf(param, schema);
      const extractor = extractors[kind] ?? extractors.string!;
      const own = questionFor(param, schema);
      let value = extractor({ ...clock, texts, asked: askedFor(q, kind, param, own), param, schema, question: q, profile });
      for (const a of answered) {
        if (given(value)) break;
        if (askedFor(a.question, kind, param, own)) value = extractor({ ...clock, texts: [a.text], asked: true, param, schema, question: a.question, profile });
      }
      if (!given(value)) value = carried(conv, param, kind);
      // Who the caller is holds for the whole call: a name or number said before an earlier request counts.
      if (!given(value) && CARRIED_FROM_ANY_CALL.has(kind)) {
        const start = turns[m.from]?.index ?? conv.turns.length;
        for (let i = start - 1; i >= 0 && !given(value); i--) {
          const t = conv.turns[i]!;
          if (t.role !== "user") continue;
          const q2 = questionBefore(conv, i);
          value = extractor({ ...clock, texts: [t.text], asked: askedFor(q2, kind, param, own), param, schema, question: q2, profile });
        }
      }
      if (value !== undefined && value !== null && value !== "") args[param] = coerce(value, schema);
    }
    const ctx = context(conv, clock, profile, m, turns, args, after);
    for (const [param, value] of Object.entries(m.intent.fill?.(ctx) ?? {})) {
      if (param in properties && value !== undefined && value !== null && value !== "") args[param] = coerce(value, properties[param]!);
    }
    const understood = { intent: m.intent.name, args };
    const missing = Object.keys(properties).find((p) => required.has(p) && !(p in args));
    const said = line(m.intent.say, ctx);
    if (missing && !conv.mustCallTool) {
      const ask = questionFor(missing, properties[missing]!);
      return { content: said && m.intent.name === "emergency" ? `${said} ${ask}` : ask, toolCalls: [], understood };
    }
    return { content: said, toolCalls: [{ name: tool.name, arguments: JSON.stringify(args) }], understood };
  }

  function phraseResults(conv: Conversation, results: ReturnType<typeof trailingToolResults>): Reply {
    const lines: string[] = [];
    let final = false;
    for (const r of results) {
      const name = r.call?.name ?? "request";
      let result: unknown = r.text;
      try {
        result = JSON.parse(r.text);
      } catch {}
      let args: Record<string, unknown> = {};
      try {
        args = JSON.parse(r.call?.arguments ?? "{}") as Record<string, unknown>;
      } catch {}
      const intent = intents.find((i) => i.phraseResult && i.tools.test(name));
      const said = intent?.phraseResult?.(result, args) ?? resultPhrasings.find((p) => p.tools.test(name))?.phrase(result, args) ?? null;
      lines.push(said ?? phraseToolResult(name, r.text));
      if (said === GOODBYE || /end_?call|hang_?up|end_conversation/i.test(name)) final = true;
      // A transfer under way: the caller is about to hear someone else, not "anything else?".
      if (/transfer|human|agent|operator|handoff|hand_off/i.test(name) && !failed(result)) final = true;
    }
    const text = lines.join(" ");
    return { content: final || /\?$/.test(text) ? text : `${text} ${ANYTHING_ELSE}`, toolCalls: [] };
  }

  /**
   * The request as it stood before a flow transition, in the node the transition led to: the
   * caller's words up to the transition, the new node's tools without the transition just taken.
   */
  function beforeTransition(conv: Conversation, results: ReturnType<typeof trailingToolResults>): { conv: Conversation; taken: string } | null {
    if (!results.every((r) => isTransitionCall(r.call, conv.tools, r.text))) return null;
    const callAt = conv.turns.length - results.length - 1;
    const taken = results.map((r) => r.call!.name);
    return { conv: { ...conv, turns: conv.turns.slice(0, callAt), tools: conv.tools.filter((t) => !taken.includes(t.name)) }, taken: taken.join(",") };
  }

  function answer(conv: Conversation, clock: Clock, after: string | null = null): Answer {
      const results = trailingToolResults(conv);
      if (results.length > 0) {
        // A transition (prescription_refill → the refill node): the request goes on there.
        const moved = beforeTransition(conv, results);
        if (!moved) return phraseResults(conv, results);
        const goOn = lastUserText(moved.conv) === null ? null : answer(moved.conv, clock, moved.taken);
        if (goOn?.understood) return goOn;
        return { content: "Sure. What can I help you with?", toolCalls: [] };
      }
      const text = lastUserText(conv);
      if (text === null) return { content: greeting(conv.system), toolCalls: [] };

      const profile = readPrompt(conv.system);
      // Dates are the business's: "tomorrow" in its time zone.
      const zoned: Clock = { ...clock, timeZone: profile.timeZone ?? clock.timeZone };
      const turns = currentUserTurns(conv);
      const latest = turns.length - 1;
      let { strong, weak } = activeIntent(conv, turns);
      // The answer to "What is the message regarding?" is the message, whatever it mentions ("my bill" is no transfer):
      // only a safety probe or an emergency interrupts it.
      const before = latest > 0 ? activeIntent(conv, turns.slice(0, latest)).strong : null;
      if (before?.tool && strong?.from === latest && !["prompt_extraction", "emergency"].includes(strong.intent.name) && asksFreeText(conv, before)) {
        strong = before;
        weak = null;
      }

      // A question asked in the middle of a request (in these words: an older one was answered when asked): answered
      // from the prompt when it can be, then the request goes on.
      if (strong && weak && weak.from > strong.from && weak.from === latest && weak.intent.answer) {
        const answered = weak.intent.answer(context(conv, zoned, profile, weak, turns));
        if (answered && strong.tool) {
          const goOn = callOrAsk(conv, zoned, profile, strong, turns);
          if (goOn.toolCalls.length === 0 && goOn.content) {
            return { content: `${answered.replace(` ${ANYTHING_ELSE}`, "")} ${goOn.content}`, toolCalls: [], understood: { intent: weak.intent.name, args: {} } };
          }
        }
      }

      const active = strong ?? weak;
      if (active) {
        const ctx = context(conv, zoned, profile, active, turns, {}, after);
        const understood = { intent: active.intent.name, args: {} };
        if (active.from === latest && active.intent.answer) {
          const answered = active.intent.answer(ctx);
          if (answered) return { content: answered, toolCalls: [], understood };
        }
        if (active.tool) return callOrAsk(conv, zoned, profile, active, turns, after);
        // Not served in this node: back to the flow's start ("something_else"), where the request goes on.
        const menu = ACTING(active.intent) ? conv.tools.find(isMenuTransition) : undefined;
        if (menu) return { content: null, toolCalls: [{ name: menu.name, arguments: "{}" }], understood };
        if (active.from === latest) {
          const without = line(active.intent.withoutTool, ctx);
          if (without) return { content: without, toolCalls: [], understood };
        }
      }
      if (conv.mustCallTool && conv.tools[0]) {
        return callOrAsk(conv, zoned, profile, { intent: { name: "forced", patterns: [], tools: /$^/ }, tool: conv.tools[0], from: Math.max(0, latest) }, turns);
      }
      // "Yes" to "Is there anything else?": ask what.
      if (/anything else/i.test(previousAssistant(conv)?.text ?? "") && AFFIRMATIVE.test(text) && text.split(/\s+/).length <= 4) {
        return { content: "Sure, what else can I help you with?", toolCalls: [] };
      }
      const fact = answerFromFacts(text, conv.system);
      if (fact) return { content: `${fact} ${ANYTHING_ELSE}`, toolCalls: [], understood: { intent: "answer_faq", args: {} } };
      const userTurns = conv.turns.filter((t) => t.role === "user").length;
      return { content: smallTalk(text, userTurns - 1, profile.businessName), toolCalls: [] };
  }

  return {
    respond(conv, clock) {
      const { content, toolCalls } = answer(conv, clock);
      return { content, toolCalls };
    },
    explain(conv, clock) {
      const { content, toolCalls, understood } = answer(conv, clock);
      return { reply: { content, toolCalls }, intent: understood?.intent ?? null, args: understood?.args ?? {} };
    },
  };
}

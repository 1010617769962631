/**
 * What the runtime offers about conversations to the HTTP layer and to whoever
 * stores them. The conversation kind (conversation-kind.ts) implements it; the
 * HTTP routes (`POST /v1/calls` with `conversation`, `GET /v1/conversations`)
 * and the conversations table build against these signatures only.
 *
 *   const view = conversations.startConversation(callId, { systemPrompt, firstMessage });
 *   conversations.conversationView(view.id);   // live, or ended a moment ago
 *   conversations.liveConversations();
 *
 * A conversation is a child actor of its call (parent = the call id). It may
 * be started before the call answers (an outbound call just placed: it waits
 * for the answer) or while it is up (it starts at once).
 */
import type { ConversationContext, ConversationSettingsInput } from "../../machines/conversation.ts";
import type { ConversationFlowInput } from "../../machines/conversation-flow.ts";
import type { ToolSpec, VoiceSpec } from "../../machines/ports/index.ts";
import type { SafetySpec } from "../ai/safety/policy.ts";
import type { ToolContext, ToolOutcome } from "./tool-registry.ts";

/** What a caller of startConversation chooses; everything else comes from the configuration. */
export interface ConversationSpec {
  /** The model's system prompt: who the bot is and what it does. */
  systemPrompt: string;
  /** Spoken first, once the call is answered, before the caller is heard. */
  firstMessage?: string;
  /** TTS engine and voice; default the configured TTS_ENGINE / TTS_VOICE (OpenAI: OPENAI_TTS_VOICE / _MODEL). */
  voice?: VoiceSpec;
  /** Default LLM_MODEL. */
  model?: string;
  temperature?: number;
  /** Barge-in, silence, tool and timing settings, and the conversation's own phrases (machines/conversation-settings.ts). */
  settings?: ConversationSettingsInput;
  /** A receptionist flow to run (pinned at start): the model is offered its node's functions. */
  flow?: ConversationFlowInput;
  /** The tools this conversation's tool actor runs (default: the runtime's tool registry). */
  tools?: { specs: ToolSpec[]; run(name: string, args: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome> };
  /** The receptionist whose conversation this is, and the definition version pinned at start. */
  receptionist?: { id: string; version: number };
  /**
   * Blocked topics, the safe line, what the bot may say although it is in its
   * prompt, moderation on or off. Absent: the defaults (extraction and leak
   * protection, no blocked topics, moderation when configured).
   */
  safety?: SafetySpec;
}

/** One conversation as the runtime holds it: live, or ended a moment ago (kept a minute, as calls are). */
export interface ConversationView {
  /** The conversation's id (a UUID the runtime made). */
  id: string;
  /** The call it speaks through (its parent actor). */
  callId: string;
  /** Its call's direction. */
  direction: "inbound" | "outbound";
  /** The machine's state: "waiting_for_answer", "live.listening", "live.responding", "live.transferring", "closing.hanging_up", "ended". */
  state: string;
  /** Still running. */
  live: boolean;
  /** Epoch ms the conversation was started. */
  createdAt: number;
  /** Epoch ms it ended; null while live. */
  endedAt: number | null;
  /**
   * Everything the machine knows: transcript (who, text, start/end, interrupted),
   * turns with their latency marks and latencies, tool calls, usage, outcome,
   * endCause. Times inside are performance.now() milliseconds (one monotonic
   * clock); `clock` converts them to epoch ms.
   */
  context: ConversationContext;
  /** Converts a monotonic time from `context` to epoch ms (null stays null). */
  clock: { epochMsOf(monotonicMs: number | null): number | null };
  /** The receptionist (and the definition version pinned at start) whose conversation this is. */
  receptionist?: { id: string; version: number };
}

/** Why a conversation could not be started; the HTTP layer maps `status` to its answer. */
export class ConversationRefusal extends Error {
  constructor(
    /** 404 no such live call; 409 the call cannot have one now (ended, has one already); 503 shutting down. */
    readonly status: 404 | 409 | 503,
    readonly code: "call_not_found" | "call_ended" | "conversation_exists" | "shutting_down",
    message: string,
  ) {
    super(message);
  }
}

export interface ConversationApi {
  /**
   * Start a conversation on a live call (ringing, early media or answered).
   * Throws ConversationRefusal. For an outbound call, call it right after
   * `CallRuntime.place()`: it waits for the answer.
   */
  startConversation(callId: string, spec: ConversationSpec): ConversationView;
  /** A live conversation, or one that ended a moment ago; null otherwise (then read the stored row). */
  conversationView(id: string): ConversationView | null;
  /** The live conversation of a call, if any. */
  conversationOfCall(callId: string): ConversationView | null;
  liveConversations(): ConversationView[];
}

/**
 * Where conversations are stored. Called on every state change while the
 * conversation lives and once when it ends (`view.live === false`): an upsert
 * by `view.id`. The conversations table's writer (journal.upsertConversation
 * with conversation-record.ts's mapping) implements it.
 */
export interface ConversationSink {
  upsert(view: ConversationView): void;
}

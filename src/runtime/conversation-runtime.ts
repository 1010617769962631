/**
 * Conversations, as the HTTP layer and the call runtime use them (the
 * ConversationApi of conversation-api.ts): start one on a call, read one, list
 * the live ones. The actor host runs them like every kind (conversation-kind.ts).
 *
 * A conversation is its call's child. Started on a ringing call it waits for
 * the answer; on an answered one it starts at once. One at a time per call.
 */
import { randomUUID } from "node:crypto";
import type { ConversationSafety } from "../ai/safety/index.ts";
import type { ActorHost } from "./actor-host.ts";
import { ConversationRefusal, type ConversationApi, type ConversationSpec, type ConversationView } from "./conversation-api.ts";
import { conversationInput, type ConversationInputDefaults } from "./conversation-input.ts";
import { conversationView, type ConversationEntry } from "./conversation-kind.ts";
import type { ToolRegistry } from "./tool-registry.ts";

/** LLM_MODEL, the configured voice and the runtime's conversation settings: what a spec leaves unsaid. */
export type ConversationDefaults = ConversationInputDefaults;

export interface ConversationRuntimeOptions {
  host: ActorHost;
  defaults: ConversationDefaults;
  tools: ToolRegistry;
  /** INBOUND_CONVERSATION_PROMPT / _FIRST_MESSAGE: inbound calls run this conversation (unset: the greeting). */
  inbound?: { systemPrompt: string; firstMessage?: string } | undefined;
  /** Registers each conversation's safety policy (spec.safety) for the llm actor's guard. */
  safety?: ConversationSafety;
}

type CallSnapshotLike = { status: string; value: unknown };

export class ConversationRuntime implements ConversationApi {
  private accepting = true;

  constructor(private readonly opts: ConversationRuntimeOptions) {}

  /** What an inbound call runs, when one is configured. */
  inboundSpec(): ConversationSpec | null {
    const inbound = this.opts.inbound;
    return inbound ? { systemPrompt: inbound.systemPrompt, ...(inbound.firstMessage ? { firstMessage: inbound.firstMessage } : {}) } : null;
  }

  startConversation(callId: string, spec: ConversationSpec): ConversationView {
    const { host, defaults } = this.opts;
    if (!this.accepting) throw new ConversationRefusal(503, "shutting_down", "the runtime is shutting down");
    const call = host.get(callId);
    if (!call || call.kind !== "call") {
      if (host.holds(callId)) throw new ConversationRefusal(409, "call_ended", `call ${callId} has ended`);
      throw new ConversationRefusal(404, "call_not_found", `no live call ${callId}`);
    }
    const snapshot = call.actor.getSnapshot() as CallSnapshotLike;
    const state = topState(snapshot.value);
    if (snapshot.status !== "active" || state === "hanging_up" || state === "ending" || state === "ended") {
      throw new ConversationRefusal(409, "call_ended", `call ${callId} is ending`);
    }
    const existing = this.conversationEntryOfCall(callId);
    if (existing) throw new ConversationRefusal(409, "conversation_exists", `call ${callId} already has conversation ${existing.id}`);

    const input = conversationInput(spec, {
      conversationId: randomUUID(),
      callId,
      answered: state === "in_progress",
      defaults,
      defaultTools: this.opts.tools.specs(),
    });
    // The guard reads the policy by conversation id; the first model request may come as soon as it is spawned.
    const { safety } = this.opts;
    safety?.register(input.conversationId, spec.safety);
    const direction = (call.meta as { direction?: "inbound" | "outbound" }).direction ?? "outbound";
    let entry: ConversationEntry;
    try {
      entry = host.spawn("conversation", {
        input,
        direction,
        ...(spec.tools ? { tools: spec.tools } : {}),
        ...(spec.receptionist ? { receptionist: spec.receptionist } : {}),
      }) as ConversationEntry;
    } catch (err) {
      safety?.release(input.conversationId);
      throw err;
    }
    // Released when the actor is done, stopped (shutdown) or fails: its model requests have ended with it.
    if (safety) {
      const release = () => safety.release(input.conversationId);
      entry.actor.subscribe({ complete: release, error: release });
    }
    return conversationView(entry);
  }

  conversationView(id: string): ConversationView | null {
    const { host } = this.opts;
    const entry = host.get(id);
    if (entry?.kind === "conversation") return conversationView(entry as ConversationEntry);
    const ended = host.recent(id);
    if (ended?.entry.kind === "conversation") return conversationView(ended.entry as ConversationEntry, ended.snapshot as never);
    return null;
  }

  conversationOfCall(callId: string): ConversationView | null {
    const entry = this.conversationEntryOfCall(callId);
    return entry ? conversationView(entry) : null;
  }

  liveConversations(): ConversationView[] {
    return this.opts.host.list("conversation").map((e) => conversationView(e as ConversationEntry));
  }

  get liveCount(): number {
    return this.opts.host.count("conversation");
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * Shutdown: a conversation does not survive a restart (its recogniser stream
   * and model requests are this process's), and a call resumed without its bot
   * would be silence. So each live conversation's call is hung up — the
   * conversation ends with it, and is stored ended — before the host stops.
   */
  endAll(reason = "the runtime is shutting down"): number {
    const { host } = this.opts;
    let ended = 0;
    for (const entry of host.list("conversation") as ConversationEntry[]) {
      host.journal(entry.id, "error", "SHUTDOWN", { note: reason });
      // Stored ended when the host persists it at shutdown (conversation-kind.ts).
      entry.meta.shutdown = reason;
      const result = host.command(entry.meta.callId, { type: "hangup", at: Date.now(), reason: "NORMAL_CLEARING" }, { from: entry.id });
      if (result.outcome === "accepted") ended++;
    }
    return ended;
  }

  private conversationEntryOfCall(callId: string): ConversationEntry | undefined {
    const call = this.opts.host.get(callId);
    if (!call) return undefined;
    for (const childId of call.children) {
      const child = this.opts.host.get(childId);
      if (child?.kind === "conversation") return child as ConversationEntry;
    }
    return undefined;
  }
}

function topState(value: unknown): string {
  if (typeof value === "string") return value;
  return Object.keys((value as Record<string, unknown>) ?? {})[0] ?? "";
}

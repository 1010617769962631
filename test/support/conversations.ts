/**
 * Waiting on a simulated caller's conversation, for the end-to-end tests that
 * drive a receptionist over the embedded switch (see receptionist-calls,
 * warm-transfer): find a call's conversation, and wait for it to end.
 */
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import type { Harness } from "./switchboard.ts";
import { until } from "./until.ts";

/** The conversation on a call, live or just ended. */
export function conversationOf(h: Harness, callId: string): Promise<ConversationView> {
  return until("the conversation", () => h.sb.conversations.conversationOfCall(callId) ?? h.sb.conversations.liveConversations().find((c) => c.callId === callId));
}

/** A conversation once it has ended. */
export function conversationEnded(h: Harness, conversationId: string, timeoutMs = 60_000): Promise<ConversationView> {
  return until(`conversation ${conversationId} to end`, () => {
    const v = h.sb.conversations.conversationView(conversationId);
    return v && !v.live ? v : null;
  }, timeoutMs);
}

/** The conversation a call ran, once it has ended. */
export async function endedConversationOfCall(h: Harness, callId: string): Promise<ConversationView> {
  return conversationEnded(h, (await conversationOf(h, callId)).id);
}

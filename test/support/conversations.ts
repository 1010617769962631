/**
 * Waiting on a simulated caller's conversation, for the end-to-end tests that
 * drive a receptionist over the embedded switch (see receptionist-calls,
 * warm-transfer): poll until a value is there, find a call's conversation, and
 * wait for it to end.
 */
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import type { Harness } from "./switchboard.ts";

/** Polls `get` every 25 ms until it gives a truthy value; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, get: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

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

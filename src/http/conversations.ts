/**
 * /v1/conversations — what was said on a call and how fast: transcript,
 * turns with their latencies, the model's tool calls, usage and outcome.
 *
 * A live conversation is read from its actor (the runtime's reader, so the
 * answer is current to the event); an ended one, or one this runtime does not
 * hold, from the database. Nothing here returns the system prompt.
 */
import { Elysia } from "elysia";
import type { Database } from "../db/client.ts";
import { interventionsOf } from "../ai/safety/interventions.ts";
import { getConversation, InvalidCursorError, listConversations } from "../db/queries/conversations.ts";
import type { ConversationApi } from "../runtime/conversation-api.ts";
import { recordOfView } from "../runtime/conversation-record.ts";
import { transferOf } from "./conversation-transfer.ts";
import { analysisJson, conversationJson } from "./conversation-view.ts";
import { invalidRequest, notFound } from "./errors.ts";
import { conversationIdParams, conversationResponse, listConversationsQuery } from "./schemas/conversations.ts";

/**
 * What the routes use of the runtime's ConversationApi (runtime/conversation-api.ts):
 * POST /v1/calls starts a conversation on the call it just placed (a
 * ConversationRefusal, with its status and code, is the answer); the reads
 * show a live one, or one that ended a moment ago, as its actor has it now.
 */
export type ConversationsApi = Pick<ConversationApi, "startConversation" | "conversationView" | "conversationOfCall">;

export interface ConversationsRouteDeps {
  database: Database;
  /** Absent when the runtime has no conversations wired: every conversation is then read from the database. */
  conversations?: Pick<ConversationApi, "conversationView">;
}

export function conversationsRoutes({ database, conversations }: ConversationsRouteDeps) {
  const db = database.db;

  /** A conversation the runtime holds, as JSON: its row as it would be stored now, and its state. */
  const liveJson = (id: string) => {
    const view = conversations?.conversationView(id);
    return view ? conversationJson(recordOfView(view, Date.now()), { state: view.state, live: view.live }) : null;
  };

  return new Elysia({ name: "conversations", prefix: "/v1/conversations" })
    .get(
      "",
      async ({ query }) => {
        try {
          const page = await listConversations(db, { status: query.status, callId: query.call_id, limit: query.limit, cursor: query.cursor });
          return {
            conversations: page.conversations.map(
              (row) => (row.status === "active" ? liveJson(row.id) : null) ?? conversationJson(row),
            ),
            next_cursor: page.nextCursor,
          };
        } catch (err) {
          if (err instanceof InvalidCursorError) throw invalidRequest([{ field: "cursor", message: err.message }]);
          throw err;
        }
      },
      {
        query: listConversationsQuery,
        detail: {
          summary: "List conversations, newest first (filter by status, call_id)",
          description: "Each with its transcript, turns and their latencies, tool calls, usage and outcome. Page with next_cursor.",
          tags: ["conversations"],
        },
      },
    )
    .get(
      "/:id",
      async ({ params }) => {
        // What the safety guard did and the transfer, as journalled (neither has a column of its own).
        const withJournalled = async <T extends { call_id: string }>(json: T) => {
          const [safety, transfer] = await Promise.all([interventionsOf(db, params.id), transferOf(db, params.id, json.call_id)]);
          return { ...json, safety_interventions: safety, transfer };
        };
        const live = liveJson(params.id);
        if (live?.live) return withJournalled(live);
        const row = await getConversation(db, params.id);
        // Ended a moment ago and still held: the actor's view, with the analysis only the stored row has.
        if (live) return withJournalled(row ? { ...live, analysis: analysisJson(row) } : live);
        if (!row) throw notFound("conversation", params.id);
        return withJournalled(conversationJson(row));
      },
      {
        params: conversationIdParams,
        response: { 200: conversationResponse },
        detail: {
          summary: "A conversation: transcript, turns with per-turn latency, tool calls, usage, outcome",
          description:
            "Latencies per turn, in ms on one monotonic clock: end_of_speech_to_final, final_to_first_token, first_token_to_first_sentence, first_sentence_to_tts_command, final_to_tts_command (the runtime's share), tts_to_playback, voice_to_voice. Once ended, `analysis` holds the post-call analysis (summary, caller_name, reason, callback_number, appointment, success): pending until stored. `safety_interventions`: what the safety guard did (stage input|output|moderation, rule, action, a redacted excerpt), as journalled. `transfer`: the last warm or blind transfer (target, warm, to, agent_call_id, result, cause, started_at, ended_at), or null. The system prompt is never returned.",
          tags: ["conversations"],
        },
      },
    );
}

/**
 * /v1/messages — messages the receptionists took for the business
 * (take_message), newest first. Real ones by default; the text test
 * bench's with sandbox=true, never mixed.
 */
import { Elysia } from "elysia";
import type { Database } from "../db/client.ts";
import { InvalidCursorError, listMessages } from "../db/queries/messages.ts";
import type { MessageRow } from "../db/schema.ts";
import { invalidRequest } from "./errors.ts";
import { listMessagesQuery } from "./schemas/messages.ts";

export function messageJson(row: MessageRow) {
  return {
    id: row.id,
    receptionist_id: row.receptionistId,
    caller_name: row.callerName,
    callback_number: row.callbackNumber,
    reason: row.reason,
    urgency: row.urgency,
    /** The conversation that took it (GET /v1/conversations/:id), when it was a call. */
    conversation_id: row.conversationId,
    sandbox: row.sandbox,
    created_at: row.createdAt.toISOString(),
  };
}

export function messagesRoutes({ database }: { database: Database }) {
  const db = database.db;
  return new Elysia({ name: "messages", prefix: "/v1/messages" }).get(
    "",
    async ({ query }) => {
      try {
        const page = await listMessages(db, {
          receptionistId: query.receptionist_id,
          urgency: query.urgency,
          sandbox: query.sandbox,
          limit: query.limit,
          cursor: query.cursor,
        });
        return { messages: page.messages.map(messageJson), next_cursor: page.nextCursor };
      } catch (err) {
        if (err instanceof InvalidCursorError) throw invalidRequest([{ field: "cursor", message: err.message }]);
        throw err;
      }
    },
    {
      query: listMessagesQuery,
      detail: {
        summary: "Messages taken, newest first (filter by receptionist_id, urgency, sandbox)",
        description: "sandbox=true lists the text test bench's messages instead of real ones. Page with next_cursor.",
        tags: ["messages"],
      },
    },
  );
}

/** Query of GET /v1/messages: strict, so a misspelt filter is a 422, never an unfiltered list. */
import { z } from "zod";
import { MESSAGE_URGENCIES } from "../../db/schema.ts";
import { pageCursor, pageLimit, queryFlag, rowId } from "./rows.ts";

export const listMessagesQuery = z.strictObject({
  receptionist_id: rowId.optional(),
  urgency: z.enum(MESSAGE_URGENCIES).optional(),
  /** The text test bench's rows (true) or real ones (false, the default): never both. */
  sandbox: queryFlag.default(false),
  limit: pageLimit(),
  cursor: pageCursor.optional(),
});

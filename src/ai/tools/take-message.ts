/**
 * take_message: records a message for the business — who called, the number
 * to call back (normalised to E.164; one the model cannot make a number of is
 * sent back to the caller to say again), why, and how urgent. The
 * definition's message settings say which fields are required and which
 * urgency levels exist.
 */
import { MESSAGE_URGENCIES, type MessageUrgency } from "../../db/schema.ts";
import { insertMessage } from "../../db/queries/messages.ts";
import { invalidPhone } from "./book-appointment.ts";
import { normalisePhone, spokenPhone, type PhoneNormalisation } from "./phone.ts";
import { refused, succeeded, type ReceptionistTool, type ReceptionistToolContext } from "./types.ts";

export interface TakeMessageArgs {
  name: string;
  callback_number: string;
  reason: string;
  urgency?: string;
}

/** "this number", "the one I'm calling from", "same number": the caller ID. */
const THIS_NUMBER = /\b(this|same|current|calling from|called from|caller id|i'?m on|on file)\b/i;

function callbackNumber(ctx: ReceptionistToolContext, said: string): PhoneNormalisation {
  const direct = normalisePhone(said);
  if (direct.ok || !THIS_NUMBER.test(said)) return direct;
  if (ctx.callerNumber) {
    const fromSwitch = normalisePhone(ctx.callerNumber);
    if (fromSwitch.ok) return fromSwitch;
  }
  return { ok: false, problem: "the number the caller is calling from is not known" };
}

/** The urgencies the definition allows that the messages table can store. */
export function urgencyLevels(ctx: ReceptionistToolContext): MessageUrgency[] {
  const allowed = ctx.receptionist.definition.messages.urgency_levels;
  return MESSAGE_URGENCIES.filter((u) => allowed.includes(u));
}

export const takeMessage: ReceptionistTool<TakeMessageArgs> = {
  name: "take_message",
  async run(ctx, args) {
    const settings = ctx.receptionist.definition.messages;
    const levels = urgencyLevels(ctx);
    const name = args.name.trim();
    const reason = args.reason.trim();
    if (!name) return refused("invalid_arguments", "The caller's name is missing.", "Ask the caller for their name.");
    if (!reason) return refused("invalid_arguments", "What the message is about is missing.", "Ask the caller what the message is about.");
    let urgency: MessageUrgency;
    if (args.urgency === undefined) {
      if (settings.required_fields.includes("urgency")) {
        return refused("invalid_arguments", "How urgent the message is is missing.", `Ask the caller how soon they need a call back, then call again with "urgency" (${levels.join(", ")}).`);
      }
      urgency = levels.includes("normal") ? "normal" : (levels[0] ?? "normal");
    } else {
      const said = args.urgency.trim().toLowerCase();
      if (!(levels as string[]).includes(said)) {
        return refused("invalid_arguments", `"${args.urgency}" is not an urgency this office uses.`, `Call again with "urgency" one of: ${levels.join(", ")}.`);
      }
      urgency = said as MessageUrgency;
    }
    const number = callbackNumber(ctx, args.callback_number);
    if (!number.ok) return invalidPhone("callback_number", args.callback_number, number.problem);
    const row = await insertMessage(ctx.db, {
      receptionistId: ctx.receptionist.id,
      conversationId: ctx.conversationId,
      callerName: name,
      callbackNumber: number.e164,
      reason,
      urgency,
      sandbox: ctx.sandbox,
    });
    return succeeded(
      {
        message: `Message taken for ${ctx.receptionist.definition.business.name}: ${name} asks to be called back at ${spokenPhone(row.callbackNumber)} about ${reason}.`,
        name,
        callback_number: spokenPhone(row.callbackNumber),
        reason,
        urgency,
        next_step: "Read the callback number back to the caller, and tell them the office will call them back.",
      },
      {
        message: {
          id: row.id,
          callerName: row.callerName,
          callbackNumber: row.callbackNumber,
          reason: row.reason,
          urgency: row.urgency,
          sandbox: row.sandbox,
          conversationId: row.conversationId,
          createdAt: row.createdAt.toISOString(),
        },
      },
    );
  },
};

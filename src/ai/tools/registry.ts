/**
 * The receptionist's tools by name, and the one way to run them: arguments
 * checked with zod built from the tool's JSON-schema parameters (the
 * contract in machines/receptionist/tools.ts, which the flow compiler holds
 * every flow to), then the tool. Whatever goes wrong comes back as a result
 * the model can act on — bad arguments name what is wrong, an unexpected
 * failure (the database down) says the system did not answer — never a throw.
 */
import { RECEPTIONIST_TOOLS, isReceptionistTool, type ReceptionistToolName } from "../../../machines/receptionist/tools.ts";
import { dbErrorForLog } from "../../db/journal.ts";
import { childLog } from "../../log.ts";
import { zodFromParameters, parseWith } from "./arguments.ts";
import { answerFaq } from "./answer-faq.ts";
import { bookAppointment } from "./book-appointment.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { checkAvailability } from "./check-availability.ts";
import { endCall } from "./end-call.ts";
import { rescheduleAppointment } from "./reschedule-appointment.ts";
import { takeMessage } from "./take-message.ts";
import { transferToHuman } from "./transfer-to-human.ts";
import { refused, type ReceptionistTool, type ReceptionistToolContext, type ToolResult } from "./types.ts";

const log = childLog({ mod: "tools" });

// Each tool's own argument type; the registry only promises the checked shape.
export const RECEPTIONIST_TOOL_IMPLEMENTATIONS: Record<ReceptionistToolName, ReceptionistTool<any>> = {
  check_availability: checkAvailability,
  book_appointment: bookAppointment,
  cancel_appointment: cancelAppointment,
  reschedule_appointment: rescheduleAppointment,
  take_message: takeMessage,
  answer_faq: answerFaq,
  transfer_to_human: transferToHuman,
  end_call: endCall,
};

const ARGUMENT_SCHEMAS = Object.fromEntries(
  Object.entries(RECEPTIONIST_TOOLS).map(([name, spec]) => [name, zodFromParameters(spec.parameters)]),
) as Record<ReceptionistToolName, ReturnType<typeof zodFromParameters>>;

/** Runs a receptionist tool with the model's arguments (parsed JSON); never throws. */
export async function runReceptionistTool(name: string, ctx: ReceptionistToolContext, rawArgs: unknown): Promise<ToolResult> {
  if (!isReceptionistTool(name)) {
    return refused("invalid_arguments", `There is no tool named ${name}.`, "Use one of the functions you were given.");
  }
  const args = parseWith<Record<string, unknown>>(ARGUMENT_SCHEMAS[name], rawArgs);
  if (!args.ok) {
    return refused("invalid_arguments", `The arguments for ${name} are not right: ${args.problem}.`, `Ask the caller for what is missing or unclear, then call ${name} again.`);
  }
  try {
    return await RECEPTIONIST_TOOL_IMPLEMENTATIONS[name].run(ctx, args.value);
  } catch (err) {
    // By code and driver message only: drizzle's own text carries the statement's parameters (callers' names and numbers).
    log.error(
      { tool: name, receptionistId: ctx.receptionist.id, conversationId: ctx.conversationId, err: dbErrorForLog(err) },
      "tool failed",
    );
    return refused(
      "unavailable",
      "The system did not answer, so nothing was done.",
      "Apologise, say nothing was changed, and offer to take a message (or try once more if the caller wants).",
    );
  }
}

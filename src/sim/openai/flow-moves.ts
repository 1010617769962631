/**
 * Flow moves as the responder sees them in the history: a receptionist flow's
 * routing functions (called with no arguments, e.g. `prescription_refill`,
 * `something_else`) are not requests of their own — the caller's request
 * goes on in the node they lead to.
 */
import type { OfferedTool, ToolCallTurn } from "./conversation.ts";
import { failed } from "./results.ts";

/** Tools that do work (a call to one is never a mere transition, even with its arguments left empty). */
const WORKING_TOOL = /^(check_availability|book_appointment|cancel_appointment|reschedule_appointment|take_message|answer_faq|transfer_to_human|end_call)$|end_?call|hang_?up|end_conversation/i;

/** Flow functions that move the call and stay offered everywhere (a global emergency function, "something else"). */
const FLOW_MOVE = /emergenc|urgent|something_?else|anything_?else|main_?menu|start_?over|restart|go_?back|back_to/i;

/**
 * A call that only moved the flow to another node: no arguments, not a tool that works, not one
 * offered with parameters, not failed — and gone from the tools offered now (the node changed),
 * or named like a flow move that every node offers.
 */
export function isTransitionCall(call: ToolCallTurn | null, tools: OfferedTool[], result: string): boolean {
  if (!call || WORKING_TOOL.test(call.name)) return false;
  const offered = tools.find((t) => t.name === call.name);
  if (Object.keys(offered?.parameters.properties ?? {}).length > 0) return false;
  try {
    const args = JSON.parse(call.arguments || "{}") as unknown;
    if (typeof args !== "object" || args === null || Object.keys(args).length > 0) return false;
  } catch {
    return false;
  }
  if (/^\s*error\b/i.test(result) || failed(safeParse(result))) return false;
  return offered === undefined || FLOW_MOVE.test(call.name);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

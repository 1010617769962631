/**
 * The receptionist's tools (check_availability, book_appointment,
 * cancel_appointment, reschedule_appointment, take_message, answer_faq,
 * transfer_to_human, end_call): each one file, run through the registry.
 */
export { runReceptionistTool, RECEPTIONIST_TOOL_IMPLEMENTATIONS } from "./registry.ts";
export type { ReceptionistTool, ReceptionistToolContext, ToolFollowUp, ToolRefusal, ToolResult } from "./types.ts";
export { normalisePhone, spokenPhone, type PhoneNormalisation } from "./phone.ts";
export { matchFaq, FAQ_THRESHOLD, type FaqMatch } from "./answer-faq.ts";
export { zodFromParameters, describeIssues } from "./arguments.ts";
export * from "./zoned-time.ts";

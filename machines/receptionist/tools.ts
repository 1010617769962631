/**
 * The receptionist's tools: the functions the runtime implements (each an
 * invoked actor), and the arguments each one relies on. A flow may offer a
 * tool in any node, word its description for that node and add arguments of
 * its own, but the arguments listed here must be there, required and of the
 * same type — the tool reads exactly these. Every other function name in a
 * flow is a transition only (it moves the conversation to its next_node).
 *
 * Dates are YYYY-MM-DD and times HH:MM (24-hour), both in the business's
 * timezone; phone numbers are as the caller gave them (the tool normalises
 * them to E.164).
 */

export const RECEPTIONIST_TOOL_NAMES = [
  "check_availability",
  "book_appointment",
  "cancel_appointment",
  "reschedule_appointment",
  "take_message",
  "answer_faq",
  "transfer_to_human",
  "end_call",
] as const;
export type ReceptionistToolName = (typeof RECEPTIONIST_TOOL_NAMES)[number];

export function isReceptionistTool(name: string): name is ReceptionistToolName {
  return (RECEPTIONIST_TOOL_NAMES as readonly string[]).includes(name);
}

/** A function as the language model is offered it (the shape of src/ai's ToolSpec). */
export interface FlowToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters: Record<string, unknown>;
}

const date = (description: string) => ({ type: "string", format: "date", pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description });
const time = (description: string) => ({ type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", description });
const name = { type: "string", description: "The caller's full name." };
const phone = (description: string) => ({ type: "string", description: `${description}, as the caller said it.` });

/**
 * The tools as the templates offer them; `required` lists the arguments each
 * tool relies on. The argument names are the ones the receptionist test set
 * (test/fixtures/receptionist-utterances.json) labels caller utterances with.
 */
export const RECEPTIONIST_TOOLS: Record<ReceptionistToolName, FlowToolSpec> = {
  check_availability: {
    name: "check_availability",
    description: "Find the free appointment slots on a day. Call it before offering a time.",
    parameters: {
      type: "object",
      properties: {
        date: date("The day to look at, YYYY-MM-DD, in the business's timezone."),
        time: time("The caller's preferred time, HH:MM 24-hour, if they gave one."),
        service: { type: "string", description: "What the appointment is for, if the caller said." },
      },
      required: ["date"],
      additionalProperties: false,
    },
  },
  book_appointment: {
    name: "book_appointment",
    description: "Book a free slot once the caller has chosen it and given their name and phone number.",
    parameters: {
      type: "object",
      properties: {
        date: date("The day, YYYY-MM-DD, in the business's timezone."),
        time: time("The start time, HH:MM 24-hour, in the business's timezone."),
        name,
        phone: phone("The caller's phone number"),
        service: { type: "string", description: "What the appointment is for." },
        notes: { type: "string", description: "Anything else the caller wants the business to know." },
      },
      required: ["date", "time", "name", "phone"],
      additionalProperties: false,
    },
  },
  cancel_appointment: {
    name: "cancel_appointment",
    description: "Cancel the caller's appointment, found by their name and the phone number it was booked with.",
    parameters: {
      type: "object",
      properties: {
        name,
        phone: phone("The phone number the appointment was booked with"),
        date: date("The day of the appointment, YYYY-MM-DD, if the caller has more than one."),
        time: time("Its time, HH:MM 24-hour, if the caller has more than one that day."),
      },
      required: ["name", "phone"],
      additionalProperties: false,
    },
  },
  reschedule_appointment: {
    name: "reschedule_appointment",
    description: "Move the caller's appointment to a new free slot (check availability first).",
    parameters: {
      type: "object",
      properties: {
        name,
        phone: phone("The phone number the appointment was booked with"),
        old_date: date("The day of the current appointment, YYYY-MM-DD, if known."),
        old_time: time("The time of the current appointment, HH:MM 24-hour, if known."),
        new_date: date("The new day, YYYY-MM-DD."),
        new_time: time("The new start time, HH:MM 24-hour."),
      },
      required: ["name", "phone", "new_date", "new_time"],
      additionalProperties: false,
    },
  },
  take_message: {
    name: "take_message",
    description: "Record a message so the business calls the caller back.",
    parameters: {
      type: "object",
      properties: {
        name,
        callback_number: phone("The number to call back"),
        reason: { type: "string", description: "What the message is about, in one or two sentences." },
        urgency: { type: "string", enum: ["low", "normal", "high", "urgent"], description: "How soon the caller needs a call back." },
      },
      required: ["name", "callback_number", "reason"],
      additionalProperties: false,
    },
  },
  answer_faq: {
    name: "answer_faq",
    description: "Look up the business's answer to a question the caller asked.",
    parameters: {
      type: "object",
      properties: { question: { type: "string", description: "The caller's question, in their words." } },
      required: ["question"],
      additionalProperties: false,
    },
  },
  transfer_to_human: {
    name: "transfer_to_human",
    description: "Transfer the caller to a person. Out of hours or unanswered, you keep the caller and should offer to take a message.",
    parameters: {
      type: "object",
      properties: {
        target: { type: "string", description: "The name of the transfer target (the department or person)." },
        reason: { type: "string", description: "One line for the person answering: who is calling and why." },
      },
      required: ["target"],
      additionalProperties: false,
    },
  },
  end_call: {
    name: "end_call",
    description: "End the call once the caller has what they need and has said goodbye.",
    parameters: {
      type: "object",
      properties: { reason: { type: "string", description: "Why the call ends, in a few words." } },
      additionalProperties: false,
    },
  },
};

interface ContractProblem {
  path: (string | number)[];
  message: string;
}

/**
 * What a flow function named after a tool lacks of the tool's contract: each
 * argument the tool requires, present, required and of the same type. An
 * empty list when the parameters honour it (extra arguments are fine).
 */
export function checkToolContract(name: ReceptionistToolName, parameters: Record<string, unknown>): ContractProblem[] {
  const contract = RECEPTIONIST_TOOLS[name].parameters as { properties: Record<string, { type: string }>; required?: string[] };
  const properties = (parameters.properties ?? {}) as Record<string, { type?: unknown }>;
  const required = Array.isArray(parameters.required) ? (parameters.required as unknown[]) : [];
  const problems: ContractProblem[] = [];
  for (const arg of contract.required ?? []) {
    const want = contract.properties[arg]!.type;
    const have = properties[arg];
    if (have === undefined) {
      problems.push({ path: ["properties"], message: `must declare "${arg}" (${want}): the ${name} tool relies on it` });
    } else if (have.type !== want) {
      problems.push({ path: ["properties", arg, "type"], message: `must be "${want}": the ${name} tool reads "${arg}" as a ${want}` });
    } else if (!required.includes(arg)) {
      problems.push({ path: ["required"], message: `must include "${arg}": the ${name} tool cannot work without it` });
    }
  }
  return problems;
}

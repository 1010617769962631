/**
 * The receptionist definition schema: one zod schema for the API body, with
 * defaults, strict objects, field checks (timezone, hours, voice, dial
 * strings) and the checks that span fields (what the flow offers must be
 * backed by settings). Each refusal names the field to fix.
 */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { ReceptionistDefinitionSchema, isIanaTimezone } from "../../machines/receptionist/definition.ts";
import { isWithinHours } from "../../machines/receptionist/hours.ts";
import { RECEPTIONIST_TOOLS } from "../../machines/receptionist/tools.ts";

type Json = Record<string, any>;

/** A small sound definition: a message-taking receptionist. */
function minimal(): Json {
  return {
    name: "Front desk",
    greeting: "Hello, Acme Plumbing. How can I help?",
    business: {
      name: "Acme Plumbing",
      timezone: "America/Chicago",
      opening_hours: { monday: [{ open: "08:00", close: "17:00" }] },
    },
    voice: { engine: "flite", voice: "kal" },
    flow: {
      initial_node: "greeting",
      nodes: {
        greeting: {
          task: "Take a message.",
          functions: [{ name: "take_message", description: "Record it.", parameters: structuredClone(RECEPTIONIST_TOOLS.take_message.parameters), next_node: "goodbye" }],
        },
        goodbye: { final: true, pre_actions: [{ say: "Goodbye!" }] },
      },
    },
  };
}

function issues(input: unknown): { path: string; message: string }[] {
  const result = ReceptionistDefinitionSchema.safeParse(input);
  if (result.success) throw new Error("expected the definition to be refused");
  return result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

function issueAt(input: unknown, path: string): string {
  const found = issues(input).find((i) => i.path === path);
  if (!found) throw new Error(`no issue at ${path}; got ${JSON.stringify(issues(input))}`);
  return found.message;
}

describe("a sound definition", () => {
  test("parses, with the defaults filled in", () => {
    const parsed = ReceptionistDefinitionSchema.parse(minimal());
    expect(parsed.model).toBe("gpt-4o-mini");
    expect(parsed.temperature).toBe(0.4);
    expect(parsed.faq).toEqual([]);
    expect(parsed.transfer_targets).toEqual([]);
    expect(parsed.booking).toBeUndefined();
    expect(parsed.messages).toEqual({ required_fields: ["name", "callback_number", "reason"], urgency_levels: ["low", "normal", "high", "urgent"] });
    expect(parsed.limits).toEqual({ silence_timeout_s: 8, max_duration_s: 600 });
    expect(parsed.safety).toEqual({ blocked_topics: [], moderation: false });
    expect(parsed.business.services).toEqual([]);
    expect(parsed.flow.global_functions).toEqual([]);
  });

  test("transfer targets and booking settings get their defaults", () => {
    const input = minimal();
    input.transfer_targets = [{ name: "front_desk", dial_string: "user/1000" }];
    input.booking = { slot_minutes: 30, bookable_hours: { tuesday: [{ open: "09:00", close: "12:00" }] } };
    const parsed = ReceptionistDefinitionSchema.parse(input);
    expect(parsed.transfer_targets[0]).toEqual({ name: "front_desk", dial_string: "user/1000", warm: false, ring_timeout_s: 20 });
    expect(parsed.booking).toEqual({ slot_minutes: 30, bookable_hours: { tuesday: [{ open: "09:00", close: "12:00" }] }, lead_time_minutes: 60, horizon_days: 60, max_per_slot: 1 });
  });

  test("its JSON schema (for the OpenAPI document) is an object schema with the required fields", () => {
    const schema = z.toJSONSchema(ReceptionistDefinitionSchema, { io: "input", unrepresentable: "any" }) as Json;
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["name", "greeting", "business", "voice", "flow"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual([
      "name", "greeting", "business", "faq", "voice", "model", "temperature", "transfer_targets", "booking", "messages", "limits", "safety", "flow",
    ]);
    expect(schema.properties.flow.properties.nodes.additionalProperties.properties.timeout_s).toMatchObject({ type: "integer", minimum: 1, maximum: 600 });
  });
});

describe("fields", () => {
  test("unknown fields are refused by name", () => {
    const input = minimal();
    input.business.hours = {};
    input.voice.speed = 1.2;
    expect(issues(input)).toEqual([
      { path: "business", message: 'Unrecognized key: "hours"' },
      { path: "voice", message: 'Unrecognized key: "speed"' },
    ]);
  });

  test("the timezone is an IANA zone the runtime knows", () => {
    expect(isIanaTimezone("America/Argentina/Buenos_Aires")).toBe(true);
    expect(isIanaTimezone("UTC")).toBe(true);
    expect(isIanaTimezone("Mars/Olympus_Mons")).toBe(false);
    expect(isIanaTimezone("+05:00")).toBe(false);
    const input = minimal();
    input.business.timezone = "Europe/Atlantis";
    expect(issueAt(input, "business.timezone")).toBe("must be an IANA timezone such as America/New_York");
  });

  test("opening hours: HH:MM, close after open, no overlap; 24:00 ends a day", () => {
    const input = minimal();
    input.business.opening_hours = {
      monday: [{ open: "8:00", close: "12:00" }],
      tuesday: [{ open: "13:00", close: "12:00" }],
      wednesday: [{ open: "08:00", close: "12:00" }, { open: "11:30", close: "17:00" }],
      thursday: [{ open: "08:00", close: "12:00" }, { open: "12:00", close: "24:00" }],
      funday: [],
    };
    expect(issues(input)).toEqual([
      { path: "business.opening_hours.monday.0.open", message: "must be a time HH:MM (00:00–24:00)" },
      { path: "business.opening_hours.tuesday.0.close", message: "must be after open (a range ends on its own day)" },
      { path: "business.opening_hours.wednesday.1", message: "overlaps 08:00–12:00" },
      { path: "business.opening_hours", message: 'Unrecognized key: "funday"' },
    ]);
  });

  test("isWithinHours: open inclusive, close exclusive, a closed day has none", () => {
    const hours = { monday: [{ open: "08:00", close: "12:00" }, { open: "13:00", close: "24:00" }] };
    expect(isWithinHours(hours, "monday", "08:00")).toBe(true);
    expect(isWithinHours(hours, "monday", "12:00")).toBe(false);
    expect(isWithinHours(hours, "monday", "23:59")).toBe(true);
    expect(isWithinHours(hours, "tuesday", "09:00")).toBe(false);
  });

  test("the voice belongs to its engine", () => {
    const input = minimal();
    input.voice = { engine: "flite", voice: "alloy" };
    expect(issueAt(input, "voice.voice")).toStartWith("must be a voice of the engine");
    input.voice = { engine: "openai", voice: "alloy" };
    expect(ReceptionistDefinitionSchema.safeParse(input).success).toBe(true);
    input.voice = { engine: "polly", voice: "Joanna" };
    expect(issues(input).map((i) => i.path)).toEqual(["voice.engine"]);
  });

  test("a transfer target's dial string is exactly one endpoint", () => {
    const input = minimal();
    input.transfer_targets = [
      { name: "sales", dial_string: "user/1001|user/1002" },
      { name: "support", dial_string: "[origination_caller_id_number=1]user/1003" },
      { name: "Front Desk", dial_string: "+15550100000" },
    ];
    const found = issues(input);
    expect(found.find((i) => i.path === "transfer_targets.0.dial_string")?.message).toStartWith("must be a number like +15551230000, or one endpoint");
    expect(found.find((i) => i.path === "transfer_targets.1.dial_string")).toBeDefined();
    expect(found.find((i) => i.path === "transfer_targets.2.name")?.message).toStartWith("must be lower snake_case");
  });

  test("limits, temperature and the booking slot stay in range; max_per_slot is 1", () => {
    const input = minimal();
    input.limits = { silence_timeout_s: 0, max_duration_s: 100_000 };
    input.temperature = 3;
    input.booking = { slot_minutes: 2, bookable_hours: {}, max_per_slot: 2 };
    expect(issues(input).map((i) => i.path)).toEqual([
      "temperature",
      "booking.slot_minutes",
      "booking.bookable_hours",
      "booking.max_per_slot",
      "limits.silence_timeout_s",
      "limits.max_duration_s",
    ]);
  });

  test("lists do not repeat an entry", () => {
    const input = minimal();
    input.safety = { blocked_topics: ["politics", "politics"] };
    expect(issueAt(input, "safety.blocked_topics")).toBe("must not repeat an entry");
  });
});

describe("checks across fields", () => {
  test("flow errors carry the path under flow", () => {
    const input = minimal();
    input.flow.nodes.greeting.functions[0].next_node = "bye";
    expect(issueAt(input, "flow.nodes.greeting.functions.0.next_node")).toBe('"bye" is not a node of this flow (nodes: greeting, goodbye)');
  });

  test("a flow offering a booking tool needs booking settings", () => {
    const input = minimal();
    input.flow.global_functions = [{ name: "check_availability", description: "Free slots.", parameters: RECEPTIONIST_TOOLS.check_availability.parameters }];
    expect(issues(input)).toEqual([{ path: "booking", message: "is required: the flow offers check_availability (flow.global_functions.0)" }]);
  });

  test("transfer_to_human needs transfer targets, and its target enum may only name them", () => {
    const input = minimal();
    const parameters = structuredClone(RECEPTIONIST_TOOLS.transfer_to_human.parameters) as Json;
    parameters.properties.target.enum = ["sales", "billing"];
    input.flow.global_functions = [{ name: "transfer_to_human", description: "Transfer.", parameters }];
    expect(issues(input)).toEqual([
      { path: "transfer_targets", message: "must name at least one target: the flow offers transfer_to_human (flow.global_functions.0)" },
      { path: "flow.global_functions.0.parameters.properties.target.enum.0", message: '"sales" is not a transfer target (targets: none)' },
      { path: "flow.global_functions.0.parameters.properties.target.enum.1", message: '"billing" is not a transfer target (targets: none)' },
    ]);
    input.transfer_targets = [{ name: "sales", dial_string: "user/2000" }, { name: "sales", dial_string: "user/2001" }];
    expect(issues(input)).toEqual([
      { path: "transfer_targets.1.name", message: '"sales" names another transfer target already' },
      { path: "flow.global_functions.0.parameters.properties.target.enum.1", message: '"billing" is not a transfer target (targets: sales)' },
    ]);
  });

  test("take_message's urgency enum uses the configured levels", () => {
    const input = minimal();
    input.messages = { urgency_levels: ["routine", "urgent"] };
    expect(issues(input)).toEqual([
      { path: "flow.nodes.greeting.functions.0.parameters.properties.urgency.enum.0", message: '"low" is not one of messages.urgency_levels (routine, urgent)' },
      { path: "flow.nodes.greeting.functions.0.parameters.properties.urgency.enum.1", message: '"normal" is not one of messages.urgency_levels (routine, urgent)' },
      { path: "flow.nodes.greeting.functions.0.parameters.properties.urgency.enum.2", message: '"high" is not one of messages.urgency_levels (routine, urgent)' },
    ]);
  });

  test("the emergency function is global and its node says the instruction word for word", () => {
    const input = minimal();
    const instruction = "If this is an emergency, hang up and dial 911.";
    input.safety = { emergency: { keywords: ["flood"], instruction, function: "emergency" } };
    expect(issueAt(input, "safety.emergency.function")).toBe('"emergency" is not a global function of the flow: an emergency can happen in any node');
    input.flow.global_functions = [{ name: "emergency", description: "An emergency.", next_node: "urgent" }];
    input.flow.nodes.urgent = { task: "Help.", pre_actions: [{ say: "Stay calm." }, { transfer: "user/9000" }] };
    expect(issueAt(input, "flow.nodes.urgent.pre_actions")).toStartWith("must say safety.emergency.instruction word for word");
    input.flow.nodes.urgent.pre_actions.unshift({ say: instruction });
    expect(ReceptionistDefinitionSchema.safeParse(input).success).toBe(true);
  });
});

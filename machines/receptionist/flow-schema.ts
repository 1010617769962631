/**
 * A flow's JSON shape (Pipecat Flows' nodes, written as data): named nodes,
 * each with the task the model is given there, the functions it may call
 * (JSON-schema parameters; a function may lead to a next node), actions run on
 * entering and leaving it, and an optional silence timeout; global functions
 * are offered in every node the conversation can stay in.
 *
 *   {"initial_node": "triage",
 *    "nodes": {"triage": {"task": "…", "functions": [{"name": "start_booking",
 *      "description": "…", "parameters": {…}, "next_node": "booking"}],
 *      "pre_actions": [{"say": "…"}], "post_actions": [], "timeout_s": 8},
 *      "goodbye": {"final": true, "pre_actions": [{"say": "Goodbye!"}, {"hangup": true}]}},
 *    "global_functions": [{"name": "end_call", …, "next_node": "goodbye"}]}
 *
 * This file checks each part on its own (types, limits, action content, each
 * function's parameters as a JSON schema); flow-check.ts checks the parts
 * against each other (targets, reachability, a way out of every node, names).
 * Errors are `{path: "nodes.<node>.<field>…", message}`.
 */
import { z } from "zod";
import { DIAL_TARGET_HELP, parseDialTarget } from "../dial-target.ts";
import { checkFlow } from "./flow-check.ts";
import { flowPath, FUNCTION_NAME, type FlowError } from "./flow-names.ts";
import { checkToolParameters } from "./json-schema.ts";
import { line, prose } from "./text.ts";

export { FUNCTION_NAME, NODE_NAME, NODE_NAME_HELP, flowPath, type FlowError } from "./flow-names.ts";

/** The bounds of a flow: enough for a receptionist, small enough to read as a diagram. */
export const FLOW_LIMITS = { nodes: 40, functions: 24, globalFunctions: 12, actions: 8, timeoutS: { min: 1, max: 600 } } as const;

/**
 * What the switch may play: an http(s) URL, an absolute path or a FreeSWITCH
 * sound. `${` and `\` are refused because FreeSWITCH expands them (the same
 * rule as the HTTP edge's media URLs, src/http/schemas/fields.ts).
 */
export const mediaLocation = line(2048)
  .refine((s) => !s.includes("${") && !s.includes("\\"), "must not contain ${ or a backslash")
  .refine(
    (s) => /^(https?:\/\/|\/|tone_stream:\/\/|silence_stream:\/\/|ivr\/|voicemail\/)/.test(s) || /^[\w./-]+\.(wav|mp3|ogg|r8|r16|r24|r32)$/.test(s),
    "must be an http(s) URL, an absolute path, or a FreeSWITCH sound (ivr/ivr-welcome.wav, tone_stream://…)",
  );

export const dialString = z.string().min(1).max(256).refine((s) => parseDialTarget(s) !== null, DIAL_TARGET_HELP);

const ACTION_KINDS = ["say", "play", "transfer", "hangup"] as const;

/**
 * One action, one key: {"say": "…"} | {"play": "<url>"} | {"transfer": "<dial string>"} | {"hangup": true}.
 * An object with all four optional and a count check reads better in a 422
 * than a union's "no option matched".
 */
export const FlowActionSchema = z
  .strictObject({
    say: line(1000).optional(),
    play: mediaLocation.optional(),
    transfer: dialString.optional(),
    hangup: z.literal(true).optional(),
  })
  .refine((a) => ACTION_KINDS.filter((k) => a[k] !== undefined).length === 1, `must have exactly one of ${ACTION_KINDS.join(", ")}`);
export type FlowAction = z.output<typeof FlowActionSchema>;

/** An action as the conversation performs it (the shapes of its call commands). */
export type FlowCommand = { type: "say"; text: string } | { type: "play"; url: string } | { type: "transfer"; to: string } | { type: "hangup" };

export function flowCommand(action: FlowAction): FlowCommand {
  if (action.say !== undefined) return { type: "say", text: action.say };
  if (action.play !== undefined) return { type: "play", url: action.play };
  if (action.transfer !== undefined) return { type: "transfer", to: action.transfer };
  return { type: "hangup" };
}

/** A tool's parameters when it takes none. */
const noParameters = () => ({ type: "object", properties: {} }) as Record<string, unknown>;

const parametersSchema = z
  .record(z.string(), z.unknown())
  .default(noParameters)
  .superRefine((schema, ctx) => {
    for (const problem of checkToolParameters(schema)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  });

export const FlowFunctionSchema = z.strictObject({
  name: z.string().regex(FUNCTION_NAME, "must be a function name: a letter, then letters, digits or _ (at most 64)"),
  /** When the model should call it: the model reads this. */
  description: prose(1000),
  /** JSON schema of the arguments object; none when absent. */
  parameters: parametersSchema,
  /** The node the conversation moves to once the function has run; absent: it stays where it is. */
  next_node: z.string().min(1).max(64).optional(),
});
export type FlowFunction = z.output<typeof FlowFunctionSchema>;

const actionList = z.array(FlowActionSchema).max(FLOW_LIMITS.actions).default([]);

export const FlowNodeSchema = z.strictObject({
  /** What the model is asked to do in this node (required unless the node is final). */
  task: prose(4000).optional(),
  functions: z.array(FlowFunctionSchema).max(FLOW_LIMITS.functions).default([]),
  /** Run on entering the node, before the model speaks. */
  pre_actions: actionList,
  /** Run on leaving the node by one of its functions, before the next node's pre_actions. */
  post_actions: actionList,
  /** The caller has been silent this long in this node: the flow raises flow.timeout (the conversation reprompts). */
  timeout_s: z.number().int().min(FLOW_LIMITS.timeoutS.min).max(FLOW_LIMITS.timeoutS.max).optional(),
  /** The conversation ends here: after its pre_actions, the call is hung up unless one of them transferred it. */
  final: z.boolean().default(false),
});
export type FlowNode = z.output<typeof FlowNodeSchema>;

export const FlowShapeSchema = z.strictObject({
  initial_node: z.string().min(1).max(64),
  nodes: z
    .record(z.string(), FlowNodeSchema)
    .refine((nodes) => Object.keys(nodes).length >= 1, "must have at least one node")
    .refine((nodes) => Object.keys(nodes).length <= FLOW_LIMITS.nodes, `must have at most ${FLOW_LIMITS.nodes} nodes`),
  /** Offered in every node that is not final (transfer to a human, end the call, …). */
  global_functions: z.array(FlowFunctionSchema).max(FLOW_LIMITS.globalFunctions).default([]),
});

/** A flow, checked part by part and as a whole. */
export const FlowSchema = FlowShapeSchema.superRefine((flow, ctx) => {
  for (const error of checkFlow(flow)) ctx.addIssue({ code: "custom", path: error.segments, message: error.message });
});
export type Flow = z.output<typeof FlowSchema>;
export type FlowInput = z.input<typeof FlowSchema>;

/** A zod error as flow errors, optionally relative to where the flow sits in a larger body. */
export function flowErrorsFromZod(error: z.ZodError, under: readonly PropertyKey[] = []): FlowError[] {
  return error.issues.map((issue) => ({ path: flowPath(issue.path.slice(under.length)), message: issue.message }));
}

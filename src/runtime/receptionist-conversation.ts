/**
 * A receptionist's conversation: the inbound router's half (which receptionist
 * a dialled number reaches) and the spec the conversation runtime starts —
 * the definition version pinned at start, its flow compiled (version + JSON
 * kept with the conversation), the system prompt built from the definition,
 * and the receptionist's tools bound to runReceptionistTool with that pinned
 * definition, the conversation, the call and the caller's number — on the
 * real tables for a call, on the sandbox for a text test session that asks
 * for it (`sandbox`).
 *
 * A tool's transfer follow-up becomes the conversation's transfer to the
 * target's dial string (a bare number through DIAL_GATEWAY): blind, the call
 * bridges to it; warm, the caller holds while the target is rung and hears
 * the summary, then both are bridged, and unanswered the caller is back with
 * the receptionist, who offers to take a message (src/runtime/warm-transfer.ts).
 */
import { compileCheckedFlow } from "../../machines/receptionist/flow-compiler.ts";
import { ReceptionistDefinitionSchema, type ReceptionistDefinition } from "../../machines/receptionist/definition.ts";
import { receptionistPrompt } from "../../machines/receptionist/prompt.ts";
import { RECEPTIONIST_TOOLS, isReceptionistTool } from "../../machines/receptionist/tools.ts";
import { dialStringFor, parseDialTarget } from "../../machines/dial-target.ts";
import type { VoiceSpec } from "../../machines/ports/index.ts";
import { normalisePhone } from "../ai/tools/phone.ts";
import { runReceptionistTool } from "../ai/tools/registry.ts";
import { receptionistSafety } from "../ai/safety/receptionist-safety.ts";
import type { Db } from "../db/client.ts";
import { routeForNumber } from "../db/queries/numbers.ts";
import { getReceptionistVersion } from "../db/queries/receptionists.ts";
import { childLog } from "../log.ts";
import type { ConversationSpec } from "./conversation-api.ts";
import type { ToolOutcome } from "./tool-registry.ts";

const log = childLog({ mod: "runtime.receptionist" });

export interface ReceptionistSpecOptions {
  db: Db;
  receptionist: { id: string; version: number; definition: ReceptionistDefinition };
  /** The caller's number as the switch reported it (take_message's "this number"). */
  callerNumber: string | null;
  /** DIAL_GATEWAY, for a transfer target that is a bare number. */
  dialGateway?: string | undefined;
  /** The definition's voice when the runtime can speak it; undefined: the configured default. */
  voiceFor?: (definition: ReceptionistDefinition) => VoiceSpec | undefined;
  now?: () => Date;
  /** The tools write sandbox rows (a text test session); default false: a real call books for real. */
  sandbox?: boolean;
}

/** The conversation spec of a receptionist's (pinned) definition. */
export function receptionistSpec(opts: ReceptionistSpecOptions): ConversationSpec {
  const { db, receptionist } = opts;
  const def = receptionist.definition;
  const compiled = compileCheckedFlow(def.flow);
  // Every receptionist tool the flow names is implemented; the flow's other functions route.
  const names = new Set([...Object.values(def.flow.nodes).flatMap((n) => n.functions), ...def.flow.global_functions].map((f) => f.name).filter(isReceptionistTool));
  const specs = [...names].map((name) => RECEPTIONIST_TOOLS[name]);
  const emergency = def.safety.emergency?.function ? { keywords: [...def.safety.emergency.keywords], function: def.safety.emergency.function } : null;
  const voice = opts.voiceFor?.(def);
  return {
    systemPrompt: receptionistPrompt(def),
    firstMessage: def.greeting,
    model: def.model,
    temperature: def.temperature,
    ...(voice ? { voice } : {}),
    settings: { silenceRepromptMs: def.limits.silence_timeout_s * 1000, maxDurationMs: def.limits.max_duration_s * 1000 },
    flow: { version: compiled.version, flow: compiled.flow, emergency },
    receptionist: { id: receptionist.id, version: receptionist.version },
    safety: receptionistSafety(def),
    tools: {
      specs,
      run: async (name, args, context): Promise<ToolOutcome> => {
        const result = await runReceptionistTool(
          name,
          {
            db,
            receptionist,
            conversationId: context.conversationId,
            callId: context.callId,
            callerNumber: opts.callerNumber,
            now: opts.now?.() ?? new Date(),
            sandbox: opts.sandbox ?? false,
          },
          args,
        );
        const outcome: ToolOutcome = { content: result.content, ok: result.ok };
        if (result.then?.type === "hang_up") outcome.then = { type: "hang_up", ...(result.then.reason ? { reason: result.then.reason } : {}) };
        if (result.then?.type === "transfer") {
          const target = parseDialTarget(result.then.to);
          const dial = target === null ? null : dialStringFor(target, opts.dialGateway);
          if (dial === null) {
            log.warn({ conversationId: context.conversationId, target: result.then.target }, "transfer target cannot be dialled (a bare number needs DIAL_GATEWAY)");
            return { content: JSON.stringify({ ok: false, error: "The transfer cannot be made right now.", next_step: "Offer to take a message." }), ok: false };
          }
          // Warm: the conversation holds the caller and rings the target for its ring timeout, telling whoever answers the summary.
          outcome.then = result.then.warm
            ? { type: "transfer", to: dial, warm: { summary: result.then.summary, ringTimeoutS: result.then.ringTimeoutS } }
            : { type: "transfer", to: dial };
        }
        return outcome;
      },
    },
  };
}

/** The dialled number as the numbers table keys it (E.164), or null. */
export function didOf(destination: string): string | null {
  const n = normalisePhone(destination);
  return n.ok ? n.e164 : null;
}

/**
 * The receptionist an inbound call's destination number reaches, at its
 * current version (pinned for the whole call), or null: no route, or the
 * stored definition no longer parses (logged; the default applies).
 */
export async function routeInbound(db: Db, destination: string): Promise<ReceptionistSpecOptions["receptionist"] | null> {
  const did = didOf(destination);
  if (did === null) return null;
  const route = await routeForNumber(db, did);
  if (route === null) return null;
  const { id, version } = route.receptionist;
  const row = await getReceptionistVersion(db, id, version);
  const parsed = ReceptionistDefinitionSchema.safeParse(row?.definition ?? route.receptionist.definition);
  if (!parsed.success) {
    log.error({ receptionistId: id, version }, "routed receptionist's definition does not parse; the default inbound behaviour applies");
    return null;
  }
  return { id, version, definition: parsed.data };
}

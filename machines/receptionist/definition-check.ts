/**
 * The checks of a receptionist definition that span its fields: what the
 * flow offers must be backed by the settings the tools read. A flow that
 * offers book_appointment needs booking settings; transfer_to_human needs
 * transfer targets, and a `target` enum in its parameters may only name
 * them; a take_message `urgency` enum only the configured urgency levels; the
 * emergency function must be a global function of the flow, and the node it
 * leads to must say the emergency instruction on entry — so the instruction
 * is given however that node is reached (by the model, or by the runtime on a
 * keyword).
 */
import type { z } from "zod";
import type { ReceptionistDefinitionShape } from "./definition.ts";
import type { FlowFunction } from "./flow-schema.ts";

type Shape = z.output<typeof ReceptionistDefinitionShape>;

export interface DefinitionProblem {
  path: (string | number)[];
  message: string;
}

const BOOKING_TOOLS = new Set(["check_availability", "book_appointment", "cancel_appointment", "reschedule_appointment"]);

/** Every function of the flow with its path in the definition: each node's, then the global ones. */
function flowFunctions(definition: Shape): { fn: FlowFunction; path: (string | number)[] }[] {
  const found: { fn: FlowFunction; path: (string | number)[] }[] = [];
  for (const [node, spec] of Object.entries(definition.flow.nodes)) {
    spec.functions.forEach((fn, i) => found.push({ fn, path: ["flow", "nodes", node, "functions", i] }));
  }
  definition.flow.global_functions.forEach((fn, i) => found.push({ fn, path: ["flow", "global_functions", i] }));
  return found;
}

/** The enum of one argument in a function's parameters, if it declares one. */
function argumentEnum(fn: FlowFunction, argument: string): unknown[] | null {
  const properties = fn.parameters.properties as Record<string, { enum?: unknown }> | undefined;
  const values = properties?.[argument]?.enum;
  return Array.isArray(values) ? values : null;
}

export function checkDefinition(definition: Shape): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const functions = flowFunctions(definition);
  const at = (path: (string | number)[]) => path.join(".");

  const targetNames = new Set<string>();
  definition.transfer_targets.forEach((target, i) => {
    if (targetNames.has(target.name)) problems.push({ path: ["transfer_targets", i, "name"], message: `"${target.name}" names another transfer target already` });
    targetNames.add(target.name);
  });

  const booking = functions.find(({ fn }) => BOOKING_TOOLS.has(fn.name));
  if (booking && definition.booking === undefined) {
    problems.push({ path: ["booking"], message: `is required: the flow offers ${booking.fn.name} (${at(booking.path)})` });
  }

  for (const { fn, path } of functions) {
    if (fn.name === "transfer_to_human") {
      if (definition.transfer_targets.length === 0) {
        problems.push({ path: ["transfer_targets"], message: `must name at least one target: the flow offers transfer_to_human (${at(path)})` });
      }
      argumentEnum(fn, "target")?.forEach((value, j) => {
        if (typeof value === "string" && !targetNames.has(value)) {
          problems.push({
            path: [...path, "parameters", "properties", "target", "enum", j],
            message: `"${value}" is not a transfer target (targets: ${[...targetNames].join(", ") || "none"})`,
          });
        }
      });
    }
    if (fn.name === "take_message") {
      const levels = definition.messages.urgency_levels;
      argumentEnum(fn, "urgency")?.forEach((value, j) => {
        if (typeof value === "string" && !levels.includes(value)) {
          problems.push({
            path: [...path, "parameters", "properties", "urgency", "enum", j],
            message: `"${value}" is not one of messages.urgency_levels (${levels.join(", ")})`,
          });
        }
      });
    }
  }

  problems.push(...checkEmergency(definition));
  return problems;
}

function checkEmergency(definition: Shape): DefinitionProblem[] {
  const emergency = definition.safety.emergency;
  if (emergency?.function === undefined) return [];
  const fn = definition.flow.global_functions.find((f) => f.name === emergency.function);
  if (fn === undefined) {
    return [{ path: ["safety", "emergency", "function"], message: `"${emergency.function}" is not a global function of the flow: an emergency can happen in any node` }];
  }
  const node = fn.next_node === undefined ? undefined : definition.flow.nodes[fn.next_node];
  if (node !== undefined && !node.pre_actions.some((a) => a.say === emergency.instruction)) {
    return [{
      path: ["flow", "nodes", fn.next_node!, "pre_actions"],
      message: `must say safety.emergency.instruction word for word ({"say": "${emergency.instruction}"}): ${emergency.function} leads here, and the instruction is always given`,
    }];
  }
  return [];
}

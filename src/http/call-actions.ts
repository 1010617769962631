/**
 * An action object from the API → what the call machine takes. One function
 * per direction of use, one mapping: a scripted step and a live action of the
 * same verb become the same machine command (a live one gets a fresh
 * Application-UUID; a script step's is derived from its index by the machine).
 */
import { randomUUID } from "node:crypto";
import type { CallAction, GatherPrompt } from "../../machines/call.ts";
import type { UserCommand } from "../runtime/call-runtime.ts";
import type { CallActionBody, ScriptStepBody } from "./schemas/actions.ts";

type GatherBody = Extract<CallActionBody, { type: "gather" }>;

function promptOf(g: GatherBody): GatherPrompt | undefined {
  return g.say ? { say: g.say } : g.play ? { play: g.play } : undefined;
}

/** A script step (say, play, gather, hangup) as the machine runs it. */
export function scriptStepOf(a: ScriptStepBody): CallAction {
  switch (a.type) {
    case "say":
      return { type: "say", text: a.text, voice: a.voice };
    case "play":
      return { type: "play", url: a.url, loop: a.loop };
    case "gather":
      return {
        type: "gather",
        minDigits: a.min_digits,
        maxDigits: a.max_digits,
        timeoutMs: a.timeout_ms,
        terminators: a.terminators,
        prompt: promptOf(a),
      };
    case "hangup":
      return { type: "hangup", reason: a.reason };
  }
}

/** A live action as the command the call's state gate decides on. */
export function userCommandOf(a: CallActionBody, dialStringFor: (to: string) => string): UserCommand {
  switch (a.type) {
    case "say":
    case "play":
    case "gather":
      return { ...scriptStepOf(a), applicationUuid: randomUUID() } as UserCommand;
    case "hangup":
      return { type: "hangup", reason: a.reason };
    case "send_dtmf":
      return { type: "send_dtmf", digits: a.digits };
    case "transfer":
      return { type: "transfer", extension: a.extension, context: a.context };
    case "bridge":
      return { type: "bridge", dialString: dialStringFor(a.to), applicationUuid: randomUUID() };
    case "answer":
      return { type: "answer", applicationUuid: randomUUID() };
    case "break":
      return { type: "break" };
  }
}

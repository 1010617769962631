/**
 * XState's action creators bound to the call machine's types. The machine's
 * actions live in their own files (call-timers, call-bookkeeping, call-hangup,
 * call-activity, call-script) outside setup(), where XState cannot infer its
 * types; these bind them, so each action type-checks exactly as one written
 * inline in setup() (no invoked actors, no named actions or guards to call).
 */
import { assign, emit, enqueueActions, type ParameterizedObject } from "xstate";
import type { CallContext, CallEmitted, CallEvent, TimerName } from "./call-types.ts";

type Params = ParameterizedObject["params"] | undefined;

export const callAssign = assign<CallContext, CallEvent, undefined, CallEvent, never>;
export const callEmit = emit<CallContext, CallEvent, undefined, CallEvent, CallEmitted>;
export const callEnqueue = enqueueActions<CallContext, CallEvent, undefined, CallEvent, never, never, never, TimerName, CallEmitted>;

/** The same creators for an action that takes params (`{ type: "armTimer", params: { timer: "ring" } }`). */
export function withParams<P extends Params>() {
  return {
    assign: assign<CallContext, CallEvent, P, CallEvent, never>,
    enqueue: enqueueActions<CallContext, CallEvent, P, CallEvent, never, never, never, TimerName, CallEmitted>,
  };
}

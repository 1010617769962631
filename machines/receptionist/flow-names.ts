/**
 * How a flow names things, and how its errors say where they are. Kept apart
 * so the schema (flow-schema.ts) and the whole-flow checks (flow-check.ts) can
 * both use them without importing each other.
 */

/** OpenAI's function-name rule, without `-` so a name is also a clean event suffix (`function.<name>`). */
export const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Node names are what an owner reads in the diagram, so spaces and a little
 * punctuation are allowed; not `.` or `#`, which XState reads as a state path
 * and an id, nor anything that could be mistaken for markup.
 */
export const NODE_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _'&()-]{0,63}$/u;
export const NODE_NAME_HELP = "must be 1-64 letters, digits, spaces or _ ' & ( ) - (starting with a letter or digit)";

/** A flow error: where (a dotted path into the flow JSON) and what is wrong there. */
export interface FlowError {
  /** "nodes.booking.functions.1.next_node"; "" for the flow itself. */
  path: string;
  message: string;
}

export function flowPath(segments: readonly PropertyKey[]): string {
  return segments.map(String).join(".");
}

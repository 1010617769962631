/**
 * A flow's version: a SHA-256 of its canonical JSON (keys sorted, so the same
 * flow written in another key order is the same version) together with the
 * compiler's own version (a change in what compiling means is a new version
 * of every flow). A conversation records the version it started with; the
 * flow machine carries it in its context, so a persisted snapshot says which
 * flow it belongs to.
 */
import { createHash } from "node:crypto";

/** Bump when the compiled machine's behaviour for the same JSON changes. */
export const FLOW_COMPILER_VERSION = 1;

/** JSON with object keys sorted at every level; arrays keep their order (it means something). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** "sha256:<hex>" of the compiler version and the flow. */
export function flowVersion(flow: unknown): string {
  const digest = createHash("sha256").update(canonicalJson({ compiler: FLOW_COMPILER_VERSION, flow })).digest("hex");
  return `sha256:${digest}`;
}

/**
 * How the runtime judges and logs a database error: transient (retry the same
 * rows later) or a refusal of the rows themselves, and a log-safe summary that
 * never carries the statement's parameters (a conversation's system prompt,
 * whole rows). Split from journal.ts: the journal retries by it, and other
 * writers (the receptionist tools) log by it.
 */
import { DrizzleQueryError } from "drizzle-orm";

/**
 * A database error as a log line may show it: its kind, SQLSTATE (or socket
 * code) and the driver's message. Not drizzle's DrizzleQueryError text, which
 * carries the statement's parameters (a conversation's system prompt, whole
 * rows), nor PostgreSQL's DETAIL ("Failing row contains (…)").
 */
export function dbErrorForLog(err: unknown): { type: string; code?: string; message: string } {
  let e: unknown = err;
  // Down the cause chain to the driver's own error (drizzle wraps it).
  for (let depth = 0; depth < 5 && e instanceof DrizzleQueryError && e.cause !== undefined; depth++) e = e.cause;
  if (e instanceof DrizzleQueryError) return { type: "DrizzleQueryError", message: "query failed (no cause reported)" };
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return {
    type: e instanceof Error ? e.name || e.constructor.name : typeof e,
    ...(typeof code === "string" ? { code } : {}),
    message: message.length > 300 ? `${message.slice(0, 300)}…` : message,
  };
}

/**
 * Transient: worth retrying the same rows later. SQLSTATE classes 08 (connection
 * exception), 40 (transaction rollback: serialization failure, deadlock), 53
 * (insufficient resources), 57 (operator intervention: admin shutdown, cancel), 58
 * (system error); socket errors; and anything without a SQLSTATE (the database
 * did not judge the rows). Other SQLSTATEs (22 data exception, 23 integrity, 42
 * syntax) mean the rows themselves are refused.
 */
export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (/^[0-9A-Z]{5}$/.test(code)) return ["08", "40", "53", "57", "58"].includes(code.slice(0, 2));
    return true; // ECONNRESET, CONNECTION_CLOSED, CONNECT_TIMEOUT, …
  }
  return true;
}

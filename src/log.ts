import pino, { type Logger } from "pino";

/** The process-wide logger. Child loggers carry call / campaign / connection ids. */
export const log: Logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { svc: "switchboard" },
});

export function childLog(bindings: Record<string, unknown>): Logger {
  return log.child(bindings);
}

export type { Logger };

/**
 * Command-line scaffolding shared by the three simulator processes (switch, Deepgram, OpenAI):
 * strict option parsing that answers --help and bad flags the same way, and a once-only
 * SIGINT/SIGTERM stop that exits 0 when the simulator closed cleanly and 1 when it did not.
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

export type CliValues = Record<string, string | boolean | undefined>;

/**
 * Parse argv against `options` (a --help/-h flag is added). A bad flag prints the error and the
 * usage line and exits 2; --help prints the usage line and returns undefined so the caller ends.
 */
export function parseCliOptions(options: NonNullable<ParseArgsConfig["options"]>, usage: string): CliValues | undefined {
  let values: CliValues;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  return values;
}

/** Stop the simulator on the first SIGINT/SIGTERM (later signals are ignored while it closes), then exit. */
export function stopOnSignals(stop: () => Promise<unknown>, onSignal?: (signal: string) => void): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    onSignal?.(signal);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => handle("SIGINT"));
  process.on("SIGTERM", () => handle("SIGTERM"));
}

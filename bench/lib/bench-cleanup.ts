/**
 * A bench's teardown, whatever happens: steps run last-registered first, each
 * bounded at 10 s so one stuck step (a process that will not exit, a database
 * drop) cannot keep the others from running. A watchdog, SIGINT and SIGTERM
 * tear down and exit, so a hung pass never leaves simulator processes or
 * throwaway databases behind.
 */
export interface BenchCleanup {
  /** A teardown step; runs before the steps registered earlier. */
  push(step: () => unknown): void;
  /** Stop the watchdog and run every step (once, however often called). */
  finish(): Promise<void>;
}

export function benchCleanup(bench: string, watchdogMs: number): BenchCleanup {
  const steps: Array<() => unknown> = [];
  let running: Promise<void> | null = null;
  const run = () =>
    (running ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await Promise.race([step(), Bun.sleep(10_000)]);
        } catch (err) {
          console.error("cleanup step failed:", err);
        }
      }
    })());
  const abort = (why: string, code: number) => {
    console.error(`\n${bench} bench: ${why}; cleaning up`);
    void run().finally(() => process.exit(code));
  };
  const watchdog = setTimeout(() => abort(`still running after ${Math.round(watchdogMs / 1000)} s`, 3), watchdogMs);
  process.once("SIGINT", () => abort("interrupted", 130));
  process.once("SIGTERM", () => abort("terminated", 143));
  return {
    push: (step) => void steps.push(step),
    finish() {
      clearTimeout(watchdog);
      return run();
    },
  };
}

/**
 * Polling for the end-to-end tests: wait until something the runtime does in
 * its own time (a conversation ending, a row landing, an analysis stored) is
 * there, without a fixed sleep that is too short under load.
 */

/**
 * Polls `get` every `everyMs` until it gives a truthy value; throws naming
 * `what` after `timeoutMs`. Timeouts are generous on purpose: the suite runs
 * on two cores, and a slow pass is not a failure.
 */
export async function until<T>(
  what: string,
  get: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

/**
 * Polling for the tests: wait until something the runtime does in its own
 * time (a conversation ending, a row landing, an event on a socket) is there,
 * without a fixed sleep that is too short under load. The one copy: tests pass
 * their own timeout and interval rather than keeping a loop of their own.
 */

/**
 * Polls `get` (sync or async) every `everyMs` until it gives a truthy value;
 * throws naming `what` after `timeoutMs`. `what` may be a function, read only
 * on timeout, so the message can say what was last seen. Timeouts are generous
 * on purpose: the suite runs on two cores, and a slow pass is not a failure.
 */
export async function until<T>(
  what: string | (() => string),
  get: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await Bun.sleep(everyMs);
  }
}

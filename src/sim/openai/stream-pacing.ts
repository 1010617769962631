/**
 * Pacing for the simulated OpenAI's streamed bodies (chat SSE, speech audio): a sleep that an
 * abort cuts short, and one cancellation signal that fires when the client goes away, the body is
 * cancelled, or the simulator stops — so a paced stream never keeps writing to nobody.
 */

/** Wait `ms` (nothing if ≤ 0), returning early once `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export interface StreamCancellation {
  /** Aborted once the client is gone, the simulator stopped, or stop() was called. */
  signal: AbortSignal;
  stop(): void;
  /** Detach from the client and simulator signals once the body is done. */
  release(): void;
}

export function streamCancellation(clientGone: AbortSignal, stopped: AbortSignal): StreamCancellation {
  const cancelled = new AbortController();
  const stop = () => cancelled.abort();
  clientGone.addEventListener("abort", stop, { once: true });
  stopped.addEventListener("abort", stop, { once: true });
  return {
    signal: cancelled.signal,
    stop,
    release() {
      clientGone.removeEventListener("abort", stop);
      stopped.removeEventListener("abort", stop);
    },
  };
}

/**
 * Fires `count` calls at a steady rate from a timer: every tick fires every
 * call that is due by now, so a late tick catches up instead of drifting.
 */
export function paced(count: number, cps: number, fire: (i: number) => void, tickMs = 5): Promise<{ startedAt: number; endedAt: number }> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let next = 0;
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - startedAt) * cps) / 1000) + 1);
      try {
        while (next < due) fire(next++);
      } catch (err) {
        clearInterval(timer);
        reject(err);
        return;
      }
      if (next >= count) {
        clearInterval(timer);
        resolve({ startedAt, endedAt: performance.now() });
      }
    };
    const timer = setInterval(tick, tickMs);
    tick();
  });
}

/** Reading figures out of the runtime's /metrics text (Prometheus exposition format). */

/** One sample's value: `name` with exactly `labels` (as written, e.g. `result="shed"`), or none; 0 when absent. */
export function metricValue(text: string, name: string, labels = ""): number {
  const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ""} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/** A counter's value summed over all its label sets. */
export function counterTotal(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) sum += Number(m[1]);
  return sum;
}

/** An unlabelled histogram's observation count; NaN when absent. */
export function histogramCount(text: string, name: string): number {
  return Number(new RegExp(`^${name}_count (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
}

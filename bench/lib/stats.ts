/** Percentiles over a sample of numbers (nearest-rank on a sorted copy). */
export function percentiles(samples: ArrayLike<number>, ps = [50, 95, 99]): Record<string, number> {
  const sorted = Float64Array.from(samples as ArrayLike<number>).sort();
  const out: Record<string, number> = {};
  for (const p of ps) {
    if (sorted.length === 0) {
      out[`p${p}`] = NaN;
      continue;
    }
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    out[`p${p}`] = sorted[rank]!;
  }
  return out;
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Print rows as an aligned text table. */
export function printTable(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? String(round(c)) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  const line = (r: Array<string | number>) => r.map((c, i) => String(c).padEnd(widths[i]!)).join("  ");
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells.slice(1)) console.log(line(r));
}

export async function writeResult(name: string, result: unknown): Promise<string> {
  const date = new Date().toISOString().slice(0, 10);
  const path = `${import.meta.dir}/../results/${name}-${date}.json`;
  await Bun.write(path, JSON.stringify(result, null, 2) + "\n");
  return path;
}

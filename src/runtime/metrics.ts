/**
 * Process metrics in Prometheus text exposition format (version 0.0.4).
 *
 * Hand-rolled rather than a client library: we need a handful of counters,
 * gauges and histograms, and the hot path (event→command latency) must cost a
 * few array writes, not allocations.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  return "{" + keys.map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`).join(",") + "}";
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

interface Metric {
  name: string;
  help: string;
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  total(): number {
    let t = 0;
    for (const v of this.values.values()) t += v;
    return t;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join("\n");
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  private collector?: () => number | Array<[Labels, number]>;
  constructor(readonly name: string, readonly help: string) {}
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  /** Read the value at scrape time instead of tracking it (e.g. live actor count). */
  collect(fn: () => number | Array<[Labels, number]>): this {
    this.collector = fn;
    return this;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    if (this.collector) {
      const v = this.collector();
      if (typeof v === "number") lines.push(`${this.name} ${v}`);
      else for (const [l, n] of v) lines.push(`${this.name}${labelKey(l)} ${n}`);
    } else {
      if (this.values.size === 0) lines.push(`${this.name} 0`);
      for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    }
    return lines.join("\n");
  }
}

/** Cumulative-bucket histogram; buckets in the metric's unit (seconds by convention). */
export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
  get observations(): number {
    return this.count;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    this.buckets.forEach((le, i) => {
      cumulative += this.counts[i]!;
      lines.push(`${this.name}_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`);
    lines.push(`${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join("\n") + "\n";
  }
}

/** Latency buckets in seconds, dense below 5 ms where the event→command target sits. */
export const LATENCY_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** Conversation turn latencies in seconds: tens of milliseconds to seconds (voice-to-voice targets sit at 0.5–0.8 s). */
export const TURN_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

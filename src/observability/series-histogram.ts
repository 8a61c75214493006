// A histogram for the per-request hot path, registered in prom-client's registry and rendered
// by it exactly as prom-client renders its own (buckets, +Inf, _sum, _count, `trace_id`
// exemplars in OpenMetrics), but observed through a handle per series.
//
// NOTE: why not prom-client's Histogram: every observe() validates and hashes the whole label
// set into a string key (twice with an exemplar) and allocates; at two histograms per request
// that was the largest metric cost in a CPU profile under load. Callers here resolve a series
// once (`series(labels)`, cached with their label objects) and `observe(series, value)` only
// finds the bucket. Rendering goes through prom-client's registry (the `getForPromString` hook
// its own histograms use), so formatting, escaping and default labels stay prom-client's.
import type { Registry, RegistryContentType } from 'prom-client';

/** One series: its labels and counts. Opaque to callers; resolve with `series()`. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
}

interface Exemplar {
  labelSet: { trace_id: string };
  value: number;
  timestamp: number;
}

interface SeriesState extends HistogramSeries {
  readonly key: string;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  /** The latest exemplar per bucket (the last slot is +Inf). */
  readonly exemplars: (Exemplar | undefined)[];
  /** Removed from the registry (its tenant left the top-N); an observation brings it back from zero. */
  removed: boolean;
}

/** A value line as prom-client's registry renders it. */
interface ValueLine {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName: string;
  readonly sharedLabels?: Readonly<Record<string, string>>;
  readonly exemplar?: Exemplar | null;
}

export interface SeriesHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Bucket upper bounds, ascending. */
  readonly buckets: readonly number[];
  /** Keep a `trace_id` exemplar per bucket (rendered in OpenMetrics only). */
  readonly exemplars?: boolean;
  readonly registers?: readonly Registry<RegistryContentType>[];
}

export class SeriesHistogram<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly bounds: readonly number[];
  private readonly withExemplars: boolean;
  private readonly byKey = new Map<string, SeriesState>();

  constructor(opts: SeriesHistogramOptions<L>) {
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = [...opts.labelNames];
    this.bounds = [...opts.buckets];
    for (let i = 1; i < this.bounds.length; i++) {
      if (!((this.bounds[i] as number) > (this.bounds[i - 1] as number)))
        throw new Error(`${opts.name}: buckets must be ascending`);
    }
    this.withExemplars = opts.exemplars === true;
    for (const r of opts.registers ?? []) r.registerMetric(this as never);
  }

  /** The series of `labels` (every label name given), created empty on first use. */
  series(labels: Readonly<Record<L, string>>): HistogramSeries {
    const key = this.keyOf(labels);
    let s = this.byKey.get(key);
    if (s === undefined) {
      const own: Record<string, string> = {};
      for (const n of this.labelNames) own[n] = labels[n];
      s = {
        key,
        labels: Object.freeze(own),
        counts: new Float64Array(this.bounds.length + 1),
        sum: 0,
        count: 0,
        exemplars: [],
        removed: false,
      };
      this.byKey.set(key, s);
    }
    return s;
  }

  /** Records `value` in `series`; with `traceId`, it becomes its bucket's exemplar. */
  observe(series: HistogramSeries, value: number, traceId?: string): void {
    if (!Number.isFinite(value)) return;
    let s = series as SeriesState;
    if (s.removed) s = this.live(s);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    s.counts[i] = (s.counts[i] as number) + 1;
    s.sum += value;
    s.count += 1;
    if (traceId !== undefined && this.withExemplars) {
      const ex = s.exemplars[i];
      if (ex === undefined) s.exemplars[i] = { labelSet: { trace_id: traceId }, value, timestamp: Date.now() / 1000 };
      else {
        ex.labelSet.trace_id = traceId;
        ex.value = value;
        ex.timestamp = Date.now() / 1000;
      }
    }
  }

  /** Drops the series of `labels` (prom-client's `remove`, used when a tenant leaves the top-N). */
  remove(labels: Readonly<Record<string, string>>): void {
    const key = this.keyOf(labels);
    const s = this.byKey.get(key);
    if (s === undefined) return;
    s.removed = true;
    this.byKey.delete(key);
  }

  reset(): void {
    for (const s of this.byKey.values()) s.removed = true;
    this.byKey.clear();
  }

  /** The registry's rendering hook: every series' lines, labels shared per series. */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ValueLine[];
  }> {
    await Promise.resolve();
    const bucket = `${this.name}_bucket`;
    const values: ValueLine[] = [];
    for (const s of this.byKey.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({
          value: cumulative,
          labels: { le: this.bounds[i] as number },
          metricName: bucket,
          sharedLabels: s.labels,
          exemplar: s.exemplars[i] ?? null,
        });
      }
      values.push({
        value: s.count,
        labels: { le: '+Inf' },
        metricName: bucket,
        sharedLabels: s.labels,
        exemplar: s.exemplars[this.bounds.length] ?? null,
      });
      values.push({ value: s.sum, labels: {}, metricName: `${this.name}_sum`, sharedLabels: s.labels });
      values.push({ value: s.count, labels: {}, metricName: `${this.name}_count`, sharedLabels: s.labels });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** As prom-client's `get()`: the same values with the series labels merged in. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ValueLine[] }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, ...v }) => ({ ...v, labels: { ...v.labels, ...sharedLabels } })),
    };
  }

  private keyOf(labels: Readonly<Record<L, string>>): string {
    let key = '';
    for (const n of this.labelNames) {
      const v = labels[n];
      if (typeof v !== 'string') throw new Error(`${this.name}: label '${n}' is missing`);
      key += `${v}\u0000`;
    }
    return key;
  }

  /** The live series for a removed handle: a newer one of the same labels, or the handle revived from zero. */
  private live(s: SeriesState): SeriesState {
    const existing = this.byKey.get(s.key);
    if (existing !== undefined) return existing;
    s.removed = false;
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
    s.exemplars.length = 0;
    this.byKey.set(s.key, s);
    return s;
  }
}

/**
 * Counters, gauges and histograms kept in memory, and collectors asked at scrape time; one
 * Registry per role, so roles that share a process still serve their own metrics.
 */
import {
  formatFamilies,
  type HistogramSample,
  type Labels,
  type MetricFamily,
} from "./text_format.ts";

/** Produces families at scrape time (from caches or one libvirt call). */
export type Collector = () => MetricFamily[] | Promise<MetricFamily[]>;

/** Stable identity of a label set whatever the key order. */
function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}

/** The samples as they are now: later changes must not reach a scrape being written. */
function copies(values: Map<string, { labels: Labels; value: number }>) {
  return [...values.values()].map(({ labels, value }) => ({ labels, value }));
}

abstract class Instrument {
  constructor(readonly name: string, readonly help: string) {}
  abstract family(): MetricFamily;
}

/** A value per label set, only ever going up. */
export class Counter extends Instrument {
  #values = new Map<string, { labels: Labels; value: number }>();

  /** Adds `by` (default 1) to the labelled value. */
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`Counter ${this.name} cannot decrease: ${by}`);
    const key = keyOf(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  family(): MetricFamily {
    return {
      name: this.name,
      help: this.help,
      type: "counter",
      samples: [...this.#values.values()],
    };
  }
}

/** A value per label set that goes up and down. */
export class Gauge extends Instrument {
  #values = new Map<string, { labels: Labels; value: number }>();

  /** Sets the labelled value. */
  set(labels: Labels, value: number): void {
    this.#values.set(keyOf(labels), { labels, value });
  }

  /** Adds `by` (may be negative); a label set back at zero is dropped, so gone objects leave. */
  add(labels: Labels, by: number): void {
    const key = keyOf(labels);
    const value = (this.#values.get(key)?.value ?? 0) + by;
    if (value === 0) this.#values.delete(key);
    else this.#values.set(key, { labels, value });
  }

  family(): MetricFamily {
    return { name: this.name, help: this.help, type: "gauge", samples: copies(this.#values) };
  }
}

/** Observations counted into fixed buckets per label set. */
export class Histogram extends Instrument {
  #values = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, readonly bounds: readonly number[]) {
    super(name, help);
    if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1]!)) {
      throw new Error(`Histogram ${name}: bucket bounds must increase`);
    }
  }

  /** Counts `value` in every bucket whose bound is at or above it. */
  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let entry = this.#values.get(key);
    if (!entry) {
      entry = { labels, counts: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.#values.set(key, entry);
    }
    const at = this.bounds.findIndex((b) => value <= b);
    if (at >= 0) entry.counts[at]!++;
    entry.sum += value;
    entry.count++;
  }

  family(): MetricFamily {
    const samples: HistogramSample[] = [...this.#values.values()].map((e) => {
      let cumulative = 0;
      return {
        labels: e.labels,
        buckets: this.bounds.map((le, i) => ({ le, count: cumulative += e.counts[i]! })),
        sum: e.sum,
        count: e.count,
      };
    });
    return { name: this.name, help: this.help, type: "histogram", samples };
  }
}

/** A role's metrics: its instruments, then what its collectors report at scrape time. */
export class Registry {
  #instruments = new Map<string, Instrument>();
  #collectors: Collector[] = [];

  /** A counter; the same name twice is a programming error. */
  counter(name: string, help: string): Counter {
    return this.#add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.#add(new Gauge(name, help));
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, bounds));
  }

  /** Asks `collector` for families at every scrape. */
  collect(collector: Collector): void {
    this.#collectors.push(collector);
  }

  /**
   * Every family: collectors first, in the order added, then the instruments, so that what a
   * collector records about itself shows in the same scrape. A collector that fails is left out
   * of this scrape (and reported to `onError`), so the rest still arrive.
   */
  async families(onError?: (error: unknown) => void): Promise<MetricFamily[]> {
    const out: MetricFamily[] = [];
    for (const collector of this.#collectors) {
      try {
        out.push(...await collector());
      } catch (error) {
        onError?.(error);
      }
    }
    return [...out, ...[...this.#instruments.values()].map((i) => i.family())];
  }

  /** The text-format scrape. */
  async render(onError?: (error: unknown) => void): Promise<string> {
    return formatFamilies(await this.families(onError));
  }

  #add<T extends Instrument>(instrument: T): T {
    if (this.#instruments.has(instrument.name)) {
      throw new Error(`Metric ${instrument.name} is registered twice`);
    }
    this.#instruments.set(instrument.name, instrument);
    return instrument;
  }
}

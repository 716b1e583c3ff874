/**
 * Prometheus histograms from a /metrics text page: parse one metric's series, subtract two
 * scrapes, and take quantiles the way PromQL's `histogram_quantile` does (linear within a bucket).
 */

/** One cumulative bucket: observations ≤ `le` (seconds, or whatever the metric counts). */
export interface Bucket {
  le: number;
  count: number;
}

/** One series of a histogram: its labels (without `le`) and its buckets in ascending `le`. */
export interface HistogramSeries {
  labels: Record<string, string>;
  buckets: Bucket[];
  count: number;
  sum: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The series of histogram `metric` in a Prometheus text exposition, keyed by their labels. */
export function parseHistogram(text: string, metric: string): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>();
  const seriesOf = (labels: Record<string, string>) => {
    const key = seriesKey(labels);
    let found = series.get(key);
    if (!found) series.set(key, found = { labels, buckets: [], count: 0, sum: 0 });
    return found;
  };
  for (const line of text.split("\n")) {
    if (!line.startsWith(metric)) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, name, labelText = "", valueText] = match;
    const value = Number(valueText);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of labelText.matchAll(LABEL)) labels[key!] = unescape(raw!);
    const { le, ...rest } = labels;
    if (name === `${metric}_bucket` && le !== undefined) {
      seriesOf(rest).buckets.push({ le: le === "+Inf" ? Infinity : Number(le), count: value });
    } else if (name === `${metric}_count`) seriesOf(rest).count = value;
    else if (name === `${metric}_sum`) seriesOf(rest).sum = value;
  }
  for (const s of series.values()) s.buckets.sort((a, b) => a.le - b.le);
  return [...series.values()];
}

/** `after` minus `before`, series by series (a series absent before counts from zero). */
export function subtractHistograms(
  after: HistogramSeries[],
  before: HistogramSeries[],
): HistogramSeries[] {
  const earlier = new Map(before.map((s) => [seriesKey(s.labels), s]));
  return after.map((s) => {
    const old = earlier.get(seriesKey(s.labels));
    const oldCount = (le: number) => old?.buckets.find((b) => b.le === le)?.count ?? 0;
    return {
      labels: s.labels,
      buckets: s.buckets.map((b) => ({ le: b.le, count: b.count - oldCount(b.le) })),
      count: s.count - (old?.count ?? 0),
      sum: s.sum - (old?.sum ?? 0),
    };
  });
}

/** Several series of one histogram added bucket by bucket (they must share bucket bounds). */
export function addHistograms(series: HistogramSeries[], labels: Record<string, string>) {
  const sum: HistogramSeries = { labels, buckets: [], count: 0, sum: 0 };
  for (const s of series) {
    for (const b of s.buckets) {
      const at = sum.buckets.find((x) => x.le === b.le);
      if (at) at.count += b.count;
      else sum.buckets.push({ ...b });
    }
    sum.count += s.count;
    sum.sum += s.sum;
  }
  sum.buckets.sort((a, b) => a.le - b.le);
  return sum;
}

/**
 * The q-quantile of cumulative `buckets` as PromQL's `histogram_quantile` computes it: find the
 * bucket holding rank q × total and interpolate linearly inside it (the lowest bucket starts at
 * 0); a rank in the +Inf bucket answers the highest finite bound. NaN without observations.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted.at(-1);
  if (!last || last.le !== Infinity || sorted.length < 2) return NaN;
  const total = last.count;
  if (total === 0) return NaN;
  const rank = q * total;
  // Like Prometheus: search every bucket but +Inf for the first whose count reaches the rank.
  let b = sorted.findIndex((bucket, i) => i < sorted.length - 1 && bucket.count >= rank);
  if (b === -1) b = sorted.length - 1;
  if (b === sorted.length - 1) return sorted[sorted.length - 2]!.le;
  const upper = sorted[b]!;
  if (b === 0 && upper.le <= 0) return upper.le;
  const start = b === 0 ? 0 : sorted[b - 1]!.le;
  const below = b === 0 ? 0 : sorted[b - 1]!.count;
  const inBucket = upper.count - below;
  return start + (upper.le - start) * ((rank - below) / inBucket);
}

/** The share (0..1) of observations at or under `le`, which must be a bucket bound. */
export function shareAtMost(le: number, buckets: Bucket[]): number {
  const total = buckets.find((b) => b.le === Infinity)?.count ?? 0;
  const at = buckets.find((b) => b.le === le)?.count;
  return total > 0 && at !== undefined ? at / total : NaN;
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

function unescape(raw: string): string {
  return raw.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

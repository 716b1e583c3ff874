import assert from "node:assert/strict";
import {
  addHistograms,
  type Bucket,
  histogramQuantile,
  parseHistogram,
  shareAtMost,
  subtractHistograms,
} from "./prom_histogram.ts";

const METRIC = "apiserver_admission_webhook_admission_duration_seconds";

/** Two series of kube-apiserver's webhook histogram, as its /metrics page shows them. */
function page(mutatorCounts: number[], validatorCounts: number[]): string {
  const bounds = ["0.005", "0.025", "0.1", "0.5", "1", "2.5", "10", "25", "+Inf"];
  const series = (name: string, type: string, counts: number[]) => {
    const labels = `name="${name}",operation="CREATE",rejected="false",type="${type}"`;
    return [
      ...bounds.map((le, i) => `${METRIC}_bucket{${labels},le="${le}"} ${counts[i]}`),
      `${METRIC}_sum{${labels}} 0.5`,
      `${METRIC}_count{${labels}} ${counts.at(-1)}`,
    ];
  };
  return [
    `# HELP ${METRIC} [STABLE] Admission webhook latency histogram in seconds.`,
    `# TYPE ${METRIC} histogram`,
    ...series("vm-mutator.denovirt.io", "admit", mutatorCounts),
    ...series("vm-validator.denovirt.io", "validating", validatorCounts),
    `${METRIC}_other_total 3`,
    "apiserver_request_total 12",
  ].join("\n");
}

Deno.test("parseHistogram() reads each series' labels, buckets (+Inf included), count and sum", () => {
  const series = parseHistogram(
    page([1, 2, 2, 2, 2, 2, 2, 2, 2], [0, 0, 1, 1, 1, 1, 1, 1, 1]),
    METRIC,
  );
  assert.equal(series.length, 2);
  assert.deepEqual(series[0]!.labels, {
    name: "vm-mutator.denovirt.io",
    operation: "CREATE",
    rejected: "false",
    type: "admit",
  });
  assert.deepEqual(series[0]!.buckets.slice(0, 2), [{ le: 0.005, count: 1 }, {
    le: 0.025,
    count: 2,
  }]);
  assert.deepEqual(series[0]!.buckets.at(-1), { le: Infinity, count: 2 });
  assert.equal(series[0]!.count, 2);
  assert.equal(series[0]!.sum, 0.5);
});

Deno.test("subtractHistograms() leaves only the observations made between two scrapes", () => {
  const before = parseHistogram(
    page([1, 2, 2, 2, 2, 2, 2, 2, 2], [0, 0, 1, 1, 1, 1, 1, 1, 1]),
    METRIC,
  );
  const after = parseHistogram(
    page([5, 7, 8, 8, 8, 8, 8, 8, 8], [0, 0, 1, 1, 1, 1, 1, 1, 1]),
    METRIC,
  );
  const [mutator, validator] = subtractHistograms(after, before);
  assert.deepEqual(mutator!.buckets.map((b) => b.count), [4, 5, 6, 6, 6, 6, 6, 6, 6]);
  assert.equal(mutator!.count, 6);
  assert.equal(mutator!.sum, 0);
  assert.equal(validator!.count, 0);
  const fresh = subtractHistograms(after, [])[0]!;
  assert.equal(fresh.count, 8);
});

Deno.test("addHistograms() adds series bucket by bucket", () => {
  const [a, b] = parseHistogram(
    page([1, 2, 2, 2, 2, 2, 2, 2, 2], [0, 0, 1, 1, 1, 1, 1, 1, 1]),
    METRIC,
  );
  const sum = addHistograms([a!, b!], { name: "both" });
  assert.deepEqual(sum.buckets.map((x) => x.count), [1, 2, 3, 3, 3, 3, 3, 3, 3]);
  assert.equal(sum.count, 3);
});

const buckets = (pairs: [number, number][]): Bucket[] =>
  pairs.map(([le, count]) => ({ le, count }));

Deno.test("histogramQuantile() interpolates as PromQL's histogram_quantile does", () => {
  const cases: { name: string; q: number; buckets: Bucket[]; want: number }[] = [
    {
      name: "all in the lowest bucket: a fraction of its bound, whatever the true times",
      q: 0.99,
      buckets: buckets([[0.005, 100], [0.025, 100], [Infinity, 100]]),
      want: 0.00495,
    },
    {
      name: "the median inside the lowest bucket, which starts at 0",
      q: 0.5,
      buckets: buckets([[0.005, 100], [0.025, 100], [Infinity, 100]]),
      want: 0.0025,
    },
    {
      name: "a rank in the second bucket: linear between the bounds",
      q: 0.99,
      buckets: buckets([[0.005, 90], [0.025, 100], [Infinity, 100]]),
      want: 0.005 + 0.02 * (9 / 10),
    },
    {
      name: "a rank in +Inf answers the highest finite bound",
      q: 0.99,
      buckets: buckets([[0.005, 10], [0.025, 50], [Infinity, 100]]),
      want: 0.025,
    },
    {
      name: "the bucket whose count first reaches the rank, not a later one",
      q: 0.5,
      buckets: buckets([[0.005, 50], [0.025, 50], [0.1, 100], [Infinity, 100]]),
      want: 0.005,
    },
    {
      name: "q above 1 is +Inf",
      q: 1.5,
      buckets: buckets([[0.005, 1], [Infinity, 1]]),
      want: Infinity,
    },
    {
      name: "q below 0 is -Inf",
      q: -1,
      buckets: buckets([[0.005, 1], [Infinity, 1]]),
      want: -Infinity,
    },
  ];
  for (const c of cases) {
    const got = histogramQuantile(c.q, c.buckets);
    assert.ok(
      Math.abs(got - c.want) < 1e-12 || got === c.want,
      `${c.name}: got ${got}, want ${c.want}`,
    );
  }
});

Deno.test("histogramQuantile() answers NaN without observations or without a +Inf bucket", () => {
  assert.ok(Number.isNaN(histogramQuantile(0.5, buckets([[0.005, 0], [Infinity, 0]]))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, buckets([[0.005, 3], [0.025, 4]]))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, [])));
});

Deno.test("shareAtMost() is the fraction of observations within a bucket bound", () => {
  const b = buckets([[0.005, 97], [0.025, 100], [Infinity, 100]]);
  assert.equal(shareAtMost(0.005, b), 0.97);
  assert.ok(Number.isNaN(shareAtMost(0.004, b)));
});

import assert from "node:assert/strict";
import {
  escapeHelp,
  escapeLabelValue,
  formatFamilies,
  formatValue,
  labelText,
  type MetricFamily,
} from "./text_format.ts";

Deno.test("escapeLabelValue() escapes backslash, double quote and line feed", () => {
  const cases: Array<[string, string]> = [
    ["plain", "plain"],
    ['say "hi"', 'say \\"hi\\"'],
    ["C:\\dir", "C:\\\\dir"],
    ["two\nlines", "two\\nlines"],
    ['\\"\n', '\\\\\\"\\n'],
  ];
  for (const [input, want] of cases) assert.equal(escapeLabelValue(input), want, input);
});

Deno.test("escapeHelp() escapes backslash and line feed but not quotes", () => {
  assert.equal(escapeHelp('a "b" \\ c\nd'), 'a "b" \\\\ c\\nd');
});

Deno.test("formatValue() writes infinities and NaN as Prometheus spells them", () => {
  const cases: Array<[number, string]> = [
    [0, "0"],
    [1.5, "1.5"],
    [-2, "-2"],
    [1e21, "1e+21"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [NaN, "NaN"],
  ];
  for (const [input, want] of cases) assert.equal(formatValue(input), want);
});

Deno.test("labelText() keeps the given order, leaves empty values out and refuses bad names", () => {
  assert.equal(labelText({}), "");
  assert.equal(labelText({ b: "2", a: "1" }), '{b="2",a="1"}');
  assert.equal(labelText({ a: "", b: "x" }), '{b="x"}');
  assert.equal(labelText({ a: "" }), "");
  assert.throws(() => labelText({ "bad-name": "x" }), /Invalid label name: bad-name/);
});

Deno.test("formatFamilies() writes HELP, TYPE and samples of counters, gauges and histograms", () => {
  const families: MetricFamily[] = [
    {
      name: "x_total",
      help: "Things.\nCounted.",
      type: "counter",
      samples: [{ labels: { name: 'v"1' }, value: 3 }, { labels: {}, value: 0 }],
    },
    { name: "y", help: "A gauge.", type: "gauge", samples: [] },
    {
      name: "z_seconds",
      help: "Latency.",
      type: "histogram",
      samples: [{
        labels: { phase: "Running" },
        buckets: [{ le: 0.5, count: 1 }, { le: 1, count: 2 }],
        sum: 1.25,
        count: 3,
      }],
    },
  ];
  assert.equal(
    formatFamilies(families),
    [
      "# HELP x_total Things.\\nCounted.",
      "# TYPE x_total counter",
      'x_total{name="v\\"1"} 3',
      "x_total 0",
      "# HELP y A gauge.",
      "# TYPE y gauge",
      "# HELP z_seconds Latency.",
      "# TYPE z_seconds histogram",
      'z_seconds_bucket{phase="Running",le="0.5"} 1',
      'z_seconds_bucket{phase="Running",le="1"} 2',
      'z_seconds_bucket{phase="Running",le="+Inf"} 3',
      'z_seconds_sum{phase="Running"} 1.25',
      'z_seconds_count{phase="Running"} 3',
      "",
    ].join("\n"),
  );
});

Deno.test("formatFamilies() refuses a metric name the format does not allow", () => {
  assert.throws(
    () => formatFamilies([{ name: "a-b", help: "", type: "gauge", samples: [] }]),
    /Invalid metric name: a-b/,
  );
  assert.equal(formatFamilies([]), "");
});

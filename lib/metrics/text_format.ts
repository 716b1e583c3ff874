/**
 * The Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines, then one
 * line per sample, label values and help text escaped as the format requires.
 */

/** The content type Prometheus expects of a text-format scrape. */
export const TEXT_FORMAT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge" | "histogram";

/** Label names to values; an empty value is left out, as Prometheus treats it as absent. */
export type Labels = Record<string, string>;

/** One sample of a counter or gauge. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** One labelled histogram: cumulative counts per upper bound (`+Inf` implied by `count`). */
export interface HistogramSample {
  labels: Labels;
  /** Upper bounds in ascending order, with the cumulative count of observations at or below. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

/** A metric family: its name, help, type and samples. */
export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: Sample[] }
  | { name: string; help: string; type: "histogram"; samples: HistogramSample[] };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The text of `families`; throws on a metric or label name the format does not allow. */
export function formatFamilies(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`Invalid metric name: ${family.name}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === "histogram") {
      for (const h of family.samples) lines.push(...histogramLines(family.name, h));
    } else {
      for (const s of family.samples) {
        lines.push(`${family.name}${labelText(s.labels)} ${formatValue(s.value)}`);
      }
    }
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

function histogramLines(name: string, h: HistogramSample): string[] {
  const lines = h.buckets.map((b) =>
    `${name}_bucket${labelText({ ...h.labels, le: formatValue(b.le) })} ${formatValue(b.count)}`
  );
  lines.push(`${name}_bucket${labelText({ ...h.labels, le: "+Inf" })} ${formatValue(h.count)}`);
  lines.push(`${name}_sum${labelText(h.labels)} ${formatValue(h.sum)}`);
  lines.push(`${name}_count${labelText(h.labels)} ${formatValue(h.count)}`);
  return lines;
}

/** `{a="1",b="2"}` in the order given, empty values left out; "" when no label remains. */
export function labelText(labels: Labels): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name)) throw new Error(`Invalid label name: ${name}`);
    if (value === "") continue;
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** A label value with backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** Help text with backslash and line feed escaped. */
export function escapeHelp(help: string): string {
  return help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** A sample value as Go's strconv formats it for Prometheus: `+Inf`, `-Inf`, `NaN`, or the number. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

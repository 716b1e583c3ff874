/** The migration bench's report, and the parsing of libvirt's completed job statistics. Pure. */
import { quantile } from "./stats.ts";

/** One migration as measured: the API's time and libvirt's completed-job figures. */
export interface MigrationSample {
  /** VMIM created → `Succeeded`, as a watch of the API sees it (ms). */
  apiMs: number;
  /** libvirt's `time_elapsed` of the job (ms). */
  elapsedMs: number;
  /** libvirt's `downtime` (ms). */
  downtimeMs: number;
  /** Bytes libvirt moved (`data_processed`, memory and copied disks), NaN if not reported. */
  dataBytes: number;
}

/** The named values of `virsh domjobinfo --completed --rawstats` (`name: value` lines). */
export function rawJobStats(text: string): Record<string, string> {
  const stats: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = line.match(/^\s*([a-z_.]+)\s*[:=]\s*(.+?)\s*$/);
    if (match) stats[match[1]!] = match[2]!;
  }
  return stats;
}

/** The sample of one migration from the target's completed job statistics. */
export function sampleOf(apiMs: number, stats: Record<string, string>): MigrationSample {
  const number = (...names: string[]) => {
    for (const name of names) {
      const value = Number(stats[name]);
      if (stats[name] !== undefined && Number.isFinite(value)) return value;
    }
    return NaN;
  };
  return {
    apiMs,
    elapsedMs: number("time_elapsed"),
    downtimeMs: number("downtime"),
    dataBytes: number("data_processed", "memory_processed"),
  };
}

const median = (samples: number[]) => quantile(samples.filter(Number.isFinite), 0.5);
const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : "—";

/** The markdown report: one row per kind of guest, medians; `conditions` are bullet lines. */
export function migrationReport(
  runs: Record<string, MigrationSample[]>,
  conditions: string[],
): string {
  const rows = Object.entries(runs).map(([guest, samples]) => {
    const pick = (f: (s: MigrationSample) => number) => samples.map(f);
    const all = (f: (s: MigrationSample) => number, digits: number, scale = 1) =>
      pick(f).map((v) => fixed(v / scale, digits)).join(", ");
    return `| ${guest} | ${fixed(median(pick((s) => s.apiMs)) / 1000, 2)} (${
      all((s) => s.apiMs, 2, 1000)
    }) | ${fixed(median(pick((s) => s.elapsedMs)) / 1000, 2)} | ${
      fixed(median(pick((s) => s.downtimeMs)), 0)
    } (${all((s) => s.downtimeMs, 0)}) | ${fixed(median(pick((s) => s.dataBytes)) / 2 ** 20, 1)} |`;
  });
  return [
    "# Live migration: time, downtime, data moved",
    "",
    "| guest | VMIM created → `Succeeded`, median s (runs) | libvirt job, median s | downtime, median ms (runs) | data moved, median MiB |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    ...conditions,
    "",
  ].join("\n");
}

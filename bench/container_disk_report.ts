/** The containerDisk bench's report: create → Running cold and warm, beside the floor, as ratios. */
import type { FloorSample } from "./container_disk_floor.ts";
import { quantile } from "./stats.ts";

export interface ContainerDiskFigures {
  /** Create → VMI Running, a fresh image (not in the node's cache): seconds per start. */
  coldS: number[];
  /** The same, started again from the same image, now cached. */
  warmS: number[];
  floor: FloorSample[];
}

const median = (samples: number[]) => quantile(samples, 0.5);
const seconds = (value: number) => Number.isFinite(value) ? value.toFixed(2) : "—";
const range = (samples: number[]) =>
  samples.length ? `${seconds(Math.min(...samples))}–${seconds(Math.max(...samples))}` : "—";

/** The table and the ratios, in markdown; `conditions` are bullet lines already. */
export function containerDiskReport(
  title: string,
  figures: ContainerDiskFigures,
  conditions: string[],
): string {
  const floor = figures.floor.map((f) => f.totalS);
  const row = (what: string, samples: number[]) =>
    `| ${what} | ${seconds(median(samples))} | ${range(samples)} | ${
      seconds(median(samples) / median(floor))
    } |`;
  const part = (what: string, pick: (f: FloorSample) => number) =>
    `| ${what} | ${seconds(median(figures.floor.map(pick)))} | ${
      range(figures.floor.map(pick))
    } | |`;
  const pull = figures.coldS.map((cold, i) => cold - (figures.warmS[i] ?? NaN));
  return [
    `# ${title}`,
    "",
    "| what | median s | range s | × floor |",
    "| --- | ---: | ---: | ---: |",
    row("containerDisk VM, cold cache: create → VMI `Running`", figures.coldS),
    row("containerDisk VM, warm cache: create → VMI `Running`", figures.warmS),
    row("cold − warm (the pull in the agent)", pull),
    row("floor: `skopeo copy` + `tar -x` + `qemu-img create` overlay", floor),
    part("… `skopeo copy docker:// dir:`", (f) => f.skopeoS),
    part("… `tar -xzf` of the layer", (f) => f.tarS),
    part("… `qemu-img create -f qcow2 -b`", (f) => f.overlayS),
    "",
    ...conditions,
    "",
  ].join("\n");
}

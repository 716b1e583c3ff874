/** The start-latency plot: one CDF per path to running and to the guest's marker. */
import type { StartFigures } from "./figures.ts";
import { cdfSvg } from "./svg.ts";

/** An SVG of the four start-latency distributions. */
export function startSvg(start: StartFigures): string {
  const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
  const s = start.samples;
  return cdfSvg(
    `Start latency, ${start.n} VMs ${start.interval_ms} ms apart`,
    "seconds",
    [
      { label: "denovirt: create → Running", samples: finite(s.running_s), color: "#1f77b4" },
      { label: "libvirt: start → running", samples: finite(s.libvirt_running_s), color: "#2ca02c" },
      { label: "denovirt: create → marker", samples: finite(s.marker_s), color: "#d62728" },
      { label: "libvirt: start → marker", samples: finite(s.libvirt_marker_s), color: "#ff7f0e" },
    ],
  );
}

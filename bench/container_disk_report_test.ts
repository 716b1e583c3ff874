import assert from "node:assert/strict";
import { containerDiskReport } from "./container_disk_report.ts";

Deno.test("containerDiskReport() gives medians, ranges and ratios to the floor", () => {
  const floor = (totalS: number) => ({ skopeoS: totalS - 0.2, tarS: 0.1, overlayS: 0.1, totalS });
  const report = containerDiskReport("T", {
    coldS: [3, 2, 4],
    warmS: [1, 1, 2],
    floor: [floor(0.5), floor(1), floor(2)],
  }, ["- conditions"]);
  const lines = report.split("\n");
  assert.equal(lines[0], "# T");
  assert.ok(
    lines.includes(
      "| containerDisk VM, cold cache: create → VMI `Running` | 3.00 | 2.00–4.00 | 3.00 |",
    ),
  );
  assert.ok(
    lines.includes(
      "| containerDisk VM, warm cache: create → VMI `Running` | 1.00 | 1.00–2.00 | 1.00 |",
    ),
  );
  assert.ok(lines.includes("| cold − warm (the pull in the agent) | 2.00 | 1.00–2.00 | 2.00 |"));
  assert.ok(lines.includes("| … `skopeo copy docker:// dir:` | 0.80 | 0.30–1.80 | |"));
  assert.ok(lines.includes("- conditions"));
});

Deno.test("containerDiskReport() shows missing figures as a dash, not NaN", () => {
  const report = containerDiskReport("T", { coldS: [], warmS: [], floor: [] }, []);
  assert.ok(!report.includes("NaN"));
  assert.ok(
    report.includes("| containerDisk VM, cold cache: create → VMI `Running` | — | — | — |"),
  );
});

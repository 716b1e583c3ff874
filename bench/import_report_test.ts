import assert from "node:assert/strict";
import { importTable } from "./import_report.ts";

Deno.test("importTable() takes median times and largest peaks, and counts restarts", () => {
  const table = importTable([
    {
      what: "`curl -o /dev/null` raw",
      servedBytes: 1e9,
      imageBytes: 1e9,
      samples: [{ seconds: 2 }],
    },
    {
      what: "DataVolume raw through the agent",
      servedBytes: 1e9,
      imageBytes: 2e9,
      samples: [
        {
          seconds: 10,
          toInProgressS: 2,
          beforeMiB: 100,
          peakMiB: 150,
          hwmMiB: 160,
          toolsPeakMiB: 20,
          afterMiB: 105,
          restarts: 0,
          freedS: 0.5,
          events: "Provisioning",
        },
        {
          seconds: 12,
          toInProgressS: 4,
          beforeMiB: 110,
          peakMiB: 140,
          hwmMiB: 170,
          toolsPeakMiB: 30,
          afterMiB: 120,
          restarts: 1,
          freedS: 0.7,
        },
      ],
    },
  ]).split("\n");
  assert.equal(table.length, 4);
  assert.equal(table[0]!.split(" | ").length, 13);
  assert.equal(
    table[2],
    "| `curl -o /dev/null` raw | 2.00 | 500 | 500 |  |  |  |  |  |  |  |  |  |",
  );
  assert.equal(
    table[3],
    "| DataVolume raw through the agent (1 restarts) | 12.00 | 83 | 167 | 4.00 | 250 | 110 | 150 | 50 | 170 | 30 | 120 | 0.7 |",
  );
});

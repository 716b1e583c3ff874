import assert from "node:assert/strict";
import { type BenchResults, markdownReport, stableJson } from "./report.ts";

const conditions: BenchResults["conditions"] = {
  cpus: 2,
  cpu_model: "AMD EPYC",
  memory_gib: 24,
  kernel: "6.1",
  load_average_at_start: [1, 2, 3],
  virtualization: "TCG",
  denovirt: "0.1.0",
  deno: "2.9.6",
  kubernetes: "v1.36.3",
  etcd: "3.6.16",
  etcd_fsync: true,
  libvirt: "9.0.0",
  qemu: "7.2.22",
  roles_started_by_bench: [],
};

Deno.test("stableJson() sorts keys at every depth and writes non-finite numbers as null", () => {
  const text = stableJson({ b: 1, a: { d: NaN, c: [{ f: 1, e: 2 }] } });
  assert.equal(text, stableJson({ a: { c: [{ e: 2, f: 1 }], d: NaN }, b: 1 }));
  assert.deepEqual(Object.keys(JSON.parse(text)), ["a", "b"]);
  assert.match(text, /"d": null/);
});

Deno.test("markdownReport() states the conditions and only the parts that ran", () => {
  const md = markdownReport({
    name: "quick",
    mode: "quick",
    date: "2026-01-01T00:00:00Z",
    seconds: 100,
    conditions,
    scale: {
      vms: 100,
      fake_nodes: 4,
      scheduled: 100,
      create_errors: 0,
      seconds_to_all_scheduled: 12.5,
      seconds_to_all_created: 2,
      scheduled_p50_s: 1,
      scheduled_p95_s: 2,
      vmi_created_p50_s: 0.1,
      vmi_created_p95_s: 0.2,
      controllers_rss_mib_before: 70,
      controllers_rss_mib_after: 80,
      controllers_cpu_seconds: 2,
    },
  }, undefined);
  assert.match(md, /\| CPUs \| 2 × AMD EPYC \|/);
  assert.match(md, /TCG \(software emulation, no KVM\)/);
  assert.match(md, /\| Kubernetes \| v1\.36\.3 \|/);
  assert.match(md, /## Control-plane scale/);
  assert.match(md, /\| first create → every VMI Scheduled \(s\) \| 12\.5 \|/);
  assert.doesNotMatch(md, /## Start latency/);
  assert.doesNotMatch(md, /!\[/);
});

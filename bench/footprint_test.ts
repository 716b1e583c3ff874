import assert from "node:assert/strict";
import { footprintFigures, type FootprintSample } from "./footprint.ts";

const sample = (vms: number, base: number, perVm: number, qemu: number[]): FootprintSample => ({
  vms,
  rss: {
    controllers: 30 + vms * perVm,
    webhooks: 40,
    agent: 35,
    libvirtd: 25,
    virtlogd: 5,
    etcd: 50 + base,
    "kube-apiserver": 300,
    "kube-controller-manager": 60,
    "kube-scheduler": 30,
  },
  qemu,
});

Deno.test("footprintFigures() separates denovirt's processes from Kubernetes and fits the per-VM slope", () => {
  const f = footprintFigures([sample(10, 5, 0.5, Array(10).fill(80)), sample(0, 0, 0.5, [])]);
  assert.equal(f.n, 10);
  assert.equal(f.control_plane_and_agent_rss_mib_at_0, 135);
  assert.equal(f.control_plane_and_agent_rss_mib, 140);
  assert.equal(f.kubernetes_rss_mib_at_0, 440);
  assert.equal(f.kubernetes_rss_mib, 445);
  assert.equal(f.per_vm_mib_node_side, 0.5);
  assert.equal(f.per_vm_mib_beyond_qemu, 1); // 0.5 from controllers, 0.5 from etcd.
  assert.equal(f.qemu_rss_mib_p50, 80);
  assert.equal(f.qemu_processes, 10);
  assert.equal(f.processes_at_n.controllers, 35);
});

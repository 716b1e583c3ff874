import assert from "node:assert/strict";
import { apiUseLines, writesOf } from "./scale_writes.ts";

const METRICS = `# HELP apiserver_request_total Counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="kubevirt.io",resource="virtualmachines",scope="resource",subresource="",verb="POST",version="v1"} 10
apiserver_request_total{code="409",component="apiserver",dry_run="",group="kubevirt.io",resource="virtualmachines",scope="resource",subresource="",verb="POST",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kubevirt.io",resource="virtualmachineinstances",scope="resource",subresource="status",verb="PATCH",version="v1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 99
`;

Deno.test("writesOf() sums write verbs over codes and leaves reads out", () => {
  assert.deepEqual(
    writesOf(METRICS),
    new Map([["virtualmachines POST", 12], ["virtualmachineinstances/status PATCH", 7]]),
  );
});

Deno.test("apiUseLines() reports the writes and CPU per VM between two readings", () => {
  const before = { writes: writesOf(""), cpuSeconds: new Map([["kube-apiserver", 1]]) };
  const after = { writes: writesOf(METRICS), cpuSeconds: new Map([["kube-apiserver", 3]]) };
  assert.deepEqual(apiUseLines(before, after, 4), [
    "writes per VM: 4.75 in all",
    "    3.00  virtualmachines POST",
    "    1.75  virtualmachineinstances/status PATCH",
    "CPU ms per VM: kube-apiserver 500.0",
  ]);
});

import assert from "node:assert/strict";
import { apiUseLines, webhookCallsOf, writesOf } from "./scale_writes.ts";

const METRICS = `# HELP apiserver_request_total Counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="kubevirt.io",resource="virtualmachines",scope="resource",subresource="",verb="POST",version="v1"} 10
apiserver_request_total{code="409",component="apiserver",dry_run="",group="kubevirt.io",resource="virtualmachines",scope="resource",subresource="",verb="POST",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kubevirt.io",resource="virtualmachineinstances",scope="resource",subresource="status",verb="PATCH",version="v1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 99
apiserver_admission_webhook_admission_duration_seconds_count{name="virtualmachines-validator.denovirt.io",operation="CREATE",rejected="false",type="validating"} 10
apiserver_admission_webhook_admission_duration_seconds_count{name="virtualmachines-validator.denovirt.io",operation="CREATE",rejected="true",type="validating"} 2
apiserver_admission_webhook_admission_duration_seconds_count{name="virtualmachineinstances-validator.denovirt.io",operation="UPDATE",rejected="false",type="validating"} 4
apiserver_admission_webhook_admission_duration_seconds_bucket{name="virtualmachineinstances-validator.denovirt.io",operation="UPDATE",rejected="false",type="validating",le="0.005"} 4
`;

Deno.test("writesOf() sums write verbs over codes and leaves reads out", () => {
  assert.deepEqual(
    writesOf(METRICS),
    new Map([["virtualmachines POST", 12], ["virtualmachineinstances/status PATCH", 7]]),
  );
});

Deno.test("webhookCallsOf() counts calls per webhook and operation over outcomes", () => {
  assert.deepEqual(
    webhookCallsOf(METRICS),
    new Map([
      ["virtualmachines-validator.denovirt.io CREATE", 12],
      ["virtualmachineinstances-validator.denovirt.io UPDATE", 4],
    ]),
  );
});

Deno.test("apiUseLines() reports the writes, webhook calls and CPU per VM between two readings", () => {
  const before = {
    writes: writesOf(""),
    webhookCalls: webhookCallsOf(""),
    cpuSeconds: new Map([["kube-apiserver", 1]]),
  };
  const after = {
    writes: writesOf(METRICS),
    webhookCalls: webhookCallsOf(METRICS),
    cpuSeconds: new Map([["kube-apiserver", 3]]),
  };
  assert.deepEqual(apiUseLines(before, after, 4), [
    "writes per VM: 4.75 in all",
    "    3.00  virtualmachines POST",
    "    1.75  virtualmachineinstances/status PATCH",
    "webhook calls per VM: 4.00 in all",
    "    3.00  virtualmachines-validator.denovirt.io CREATE",
    "    1.00  virtualmachineinstances-validator.denovirt.io UPDATE",
    "CPU ms per VM: kube-apiserver 500.0",
  ]);
});

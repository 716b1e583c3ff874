import assert from "node:assert/strict";
import {
  AGENT_ENDPOINT_ANNOTATION,
  ANN_NODE_STORAGE_CAPACITY,
  HOSTNAME_LABEL,
  type NodeObject,
  SCHEDULABLE_LABEL,
} from "../../api/mod.ts";
import { FakeClock } from "../../lib/clock.ts";
import { leases, nodes } from "../../lib/kube/resources.ts";
import type { Lease } from "../../lib/leader_lease.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import { NodeCapacity } from "../storage/node_capacity.ts";
import { runControllers, TEST_HOST } from "../test_harness.ts";
import { LEASE_RENEW_MS, nodeController, STATUS_HEARTBEAT_MS } from "./node_controller.ts";

const NODE = "edge-1";

function harness(register: boolean) {
  const api = new FakeApi();
  const clock = new FakeClock(Date.parse("2026-03-01T10:00:00Z"));
  const controller = nodeController({
    facts: {
      name: NODE,
      host: TEST_HOST,
      address: "10.0.0.5",
      port: 10250,
      taints: [{ key: "denovirt.io/test", effect: "NoSchedule" }],
    },
    register,
    capacity: new NodeCapacity({ node: NODE, dataDir: "/x", capacityBytes: 1024n }),
    now: () => clock.now(),
  });
  const h = runControllers(api, clock, [controller], register ? [leases] : []);
  return {
    ...h,
    node: () => api.find<NodeObject>("nodes", NODE),
    lease: () => api.find<Lease>("leases", `kube-node-lease/${NODE}`),
  };
}

Deno.test("nodeController() registers a kubelet-less node, its Lease and heartbeat, and renews them on time", async () => {
  const h = harness(true);
  try {
    const node = await h.until("the Node", () => h.node()?.status && h.lease() && h.node());
    assert.equal(node.metadata?.labels?.[HOSTNAME_LABEL], NODE);
    assert.equal(node.metadata?.labels?.[SCHEDULABLE_LABEL], "true");
    assert.equal(node.metadata?.annotations?.[AGENT_ENDPOINT_ANNOTATION], "https://10.0.0.5:10250");
    assert.equal(node.metadata?.annotations?.[ANN_NODE_STORAGE_CAPACITY], "1024");
    assert.deepEqual(node.spec?.taints, [{ key: "denovirt.io/test", effect: "NoSchedule" }]);
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "True");
    assert.equal(ready?.lastHeartbeatTime, "2026-03-01T10:00:00.000Z");
    assert.equal(h.lease()?.spec?.renewTime, "2026-03-01T10:00:00.000000Z");
    assert.equal(h.lease()?.metadata?.ownerReferences?.[0]?.uid, node.metadata?.uid);

    h.clock.advance(LEASE_RENEW_MS);
    await h.until(
      "the renewed lease",
      () => h.lease()?.spec?.renewTime === "2026-03-01T10:00:10.000000Z",
    );
    assert.equal(
      h.node()?.status?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime,
      "2026-03-01T10:00:00.000Z",
      "the heartbeat is not due yet",
    );
    h.clock.advance(STATUS_HEARTBEAT_MS - LEASE_RENEW_MS);
    await h.until(
      "the heartbeat",
      () =>
        h.node()?.status?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime ===
          "2026-03-01T10:00:40.000Z",
    );
  } finally {
    await h.stop();
  }
});

Deno.test("nodeController() registers a deleted Node again", async () => {
  const h = harness(true);
  try {
    const first = await h.until("the Node", () => h.node());
    await h.api.delete(nodes, { name: NODE });
    const again = await h.until("the Node again", () => {
      const node = h.node();
      return node && node.metadata?.uid !== first.metadata?.uid && node;
    });
    assert.equal(again.metadata?.labels?.[HOSTNAME_LABEL], NODE);
  } finally {
    await h.stop();
  }
});

Deno.test("nodeController() on a kubelet's node only publishes its annotations and the schedulable label, once the Node exists", async () => {
  const h = harness(false);
  try {
    h.clock.advance(60_000); // The missing Node is retried with backoff: nothing is created.
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(h.node(), undefined);
    h.api.put(nodes, { metadata: { name: NODE, labels: { "kubelet-made": "yes" } } });
    h.clock.advance(60_000);
    const node = await h.until("the annotations", () => {
      const current = h.node();
      return current?.metadata?.annotations?.[AGENT_ENDPOINT_ANNOTATION] ? current : undefined;
    });
    assert.deepEqual(node.metadata?.labels, {
      "kubelet-made": "yes",
      [SCHEDULABLE_LABEL]: "true",
    });
    assert.equal(node.status, undefined);
    assert.equal(h.lease(), undefined);
    assert.deepEqual(
      h.api.writes.map((w) => `${w.verb} ${w.plural}`),
      ["patch nodes"],
    );
  } finally {
    await h.stop();
  }
});

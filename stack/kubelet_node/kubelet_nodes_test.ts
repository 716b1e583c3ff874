import assert from "node:assert/strict";
import { kubeletNode, kubeletNodeNamed, kubeletNodes } from "./kubelet_nodes.ts";
import { stackNode } from "../nodes/addressing.ts";

Deno.test("kubeletNode: addresses count down from the top of the nodes' network", () => {
  assert.deepEqual(kubeletNode(1), {
    index: 254,
    name: "denovirt-kubelet-1",
    address: "10.250.0.254",
    netns: "dvkubelet-1",
    veth: "dvkl1",
  });
  assert.equal(kubeletNode(3).address, "10.250.0.252");
});

Deno.test("kubeletNode: shares no name, namespace or veth with an extra node", () => {
  const kubelet = kubeletNode(1);
  const extra = stackNode(kubelet.index);
  assert.notEqual(kubelet.name, extra.name);
  assert.notEqual(kubelet.netns, extra.netns);
  assert.notEqual(kubelet.veth, extra.veth);
});

Deno.test("kubeletNodes: refuses counts that would collide with the kubelet-less nodes", () => {
  assert.deepEqual(kubeletNodes(2, 3).map((n) => n.name), [
    "denovirt-kubelet-1",
    "denovirt-kubelet-2",
  ]);
  assert.deepEqual(kubeletNodes(0, 1), []);
  assert.throws(() => kubeletNodes(252, 3), /from 0 to 251 with 3 node/);
  assert.throws(() => kubeletNodes(-1, 1), /--kubelet-nodes must be/);
});

Deno.test("kubeletNodeNamed: finds kubelet nodes by name and nothing else", () => {
  assert.equal(kubeletNodeNamed("denovirt-kubelet-2")?.address, "10.250.0.253");
  for (const other of ["denovirt-kubelet-0", "denovirt-kubelet-01", "denovirt-node-2"]) {
    assert.equal(kubeletNodeNamed(other), undefined, other);
  }
});

import assert from "node:assert/strict";
import { stackNode, stackNodeNamed, stackNodes } from "./addressing.ts";
import { STACK_NODE_NAME } from "../pod_network.ts";

Deno.test("stackNode: node 1 is the stack's own node in the root namespaces", () => {
  assert.deepEqual(stackNode(1), {
    index: 1,
    name: STACK_NODE_NAME,
    address: "10.250.0.1",
    netns: undefined,
    veth: undefined,
  });
});

Deno.test("stackNode: extra nodes get their own namespace, veth and address", () => {
  const cases: [number, string, string, string, string][] = [
    [2, "denovirt-node-2", "10.250.0.2", "dvnode-2", "dvk2"],
    [17, "denovirt-node-17", "10.250.0.17", "dvnode-17", "dvk17"],
    [254, "denovirt-node-254", "10.250.0.254", "dvnode-254", "dvk254"],
  ];
  for (const [index, name, address, netns, veth] of cases) {
    assert.deepEqual(stackNode(index), { index, name, address, netns, veth });
  }
});

Deno.test("stackNode: refuses numbers outside 1..254", () => {
  for (const bad of [0, -1, 255, 1.5]) assert.throws(() => stackNode(bad), /from 1 to 254/);
});

Deno.test("stackNodeNamed: finds the stack's nodes by name and nothing else", () => {
  assert.equal(stackNodeNamed(STACK_NODE_NAME)?.index, 1);
  assert.equal(stackNodeNamed("denovirt-node-3")?.address, "10.250.0.3");
  for (const other of ["denovirt-node-1", "denovirt-node-0", "denovirt-node-02", "agent-test-x"]) {
    assert.equal(stackNodeNamed(other), undefined, other);
  }
});

Deno.test("stackNodes: answers nodes 1..N and refuses a bad count", () => {
  assert.deepEqual(stackNodes(3).map((n) => n.name), [
    STACK_NODE_NAME,
    "denovirt-node-2",
    "denovirt-node-3",
  ]);
  assert.throws(() => stackNodes(0), /--nodes must be/);
});

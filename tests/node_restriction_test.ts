/**
 * Node restriction (manifests/base/25-node-restriction.yaml): an agent's identity may change the
 * VMIs, the Node and the Lease of its own node only, as kube-apiserver enforces it.
 */
import assert from "node:assert/strict";
import { NODE_LEASE_NAMESPACE } from "../api/mod.ts";
import { ApiError } from "../lib/kube/api_error.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { leases, nodes, virtualMachineInstances } from "../lib/kube/resources.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { agentIdentityRest } from "./support/agent_identity.ts";
import { testStack, withNamespace } from "./support/stack.ts";
import { createRunningVmi } from "./support/virtctl.ts";
import { adminRest } from "./support/vmis.ts";

const stack = await testStack();
const NODE = STACK_NODE_NAME;
const ANNOTATION = "test.denovirt.io/node-restriction";

/** The refusal of `call`, which must fail with 403. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiError, `not an API error: ${error}`);
    assert.equal(error.status, 403, error.message);
    return error.message;
  }
  throw new Error("The write was allowed");
}

/** The writes an agent makes for its node, as `rest` makes them. */
function writes(rest: RestClient, namespace: string) {
  const merge = { type: "merge" as const };
  return {
    vmiStatus: () =>
      rest.patch(virtualMachineInstances, { namespace, name: "web" }, {
        status: { reason: "NodeRestrictionTest" },
      }, { ...merge, subresource: "status" }),
    node: () =>
      rest.patch(
        nodes,
        { name: NODE },
        { metadata: { annotations: { [ANNOTATION]: "yes" } } },
        merge,
      ),
    lease: () =>
      rest.patch(leases, { namespace: NODE_LEASE_NAMESPACE, name: NODE }, {
        metadata: { annotations: { [ANNOTATION]: "yes" } },
      }, merge),
  };
}

Deno.test("node restriction refuses another node's agent the VMI status, Node and Lease of denovirt-local, naming the nodes", async () => {
  const other = await agentIdentityRest(stack, "other-node");
  try {
    await withNamespace(stack.admin, "node-restriction", async (namespace) => {
      await createRunningVmi(stack, namespace, "web", NODE);
      const as = writes(other, namespace);
      const vmi = await refusal(as.vmiStatus());
      assert.match(vmi, /denovirt:agent:other-node may only change VirtualMachineInstances/);
      assert.match(
        vmi,
        new RegExp(`assigned to node other-node: ${namespace}/web is assigned to ${NODE}`),
      );
      assert.match(
        await refusal(as.node()),
        /may only change its own Node other-node, not denovirt-local/,
      );
      assert.match(
        await refusal(as.lease()),
        /may only change the Lease kube-node-lease\/other-node of its node, not kube-node-lease\/denovirt-local/,
      );
    });
  } finally {
    other.close();
  }
});

Deno.test("node restriction lets denovirt-local's own agent identity make the same writes", async () => {
  const own = await agentIdentityRest(stack, NODE);
  const admin = adminRest(stack);
  try {
    await withNamespace(stack.admin, "node-restriction", async (namespace) => {
      await createRunningVmi(stack, namespace, "web", NODE);
      const as = writes(own, namespace);
      await as.vmiStatus();
      await as.node();
      await as.lease();
    });
  } finally {
    const remove = { metadata: { annotations: { [ANNOTATION]: null } } };
    await admin.patch(nodes, { name: NODE }, remove, { type: "merge" }).catch(() => {});
    await admin.patch(leases, { namespace: NODE_LEASE_NAMESPACE, name: NODE }, remove, {
      type: "merge",
    }).catch(() => {});
    own.close();
    admin.close();
  }
});

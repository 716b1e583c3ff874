/**
 * Two VMs of one name in two namespaces run side by side on one node: each gets its own firmware
 * UUID, which is also the UUID the node's libvirtd knows its domain by.
 */
import assert from "node:assert/strict";
import type { KubeObject } from "../lib/kube/object.ts";
import { virtualMachines } from "../lib/kube/resources.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { webVm } from "./support/guest_http.ts";
import { type TestStack, testStack, withNamespace } from "./support/stack.ts";
import { adminRest, waitForPhase } from "./support/vmis.ts";

const ignore = !ROLES_READY_FOR_THE_STACK.includes("agent");
const stack: TestStack | undefined = ignore ? undefined : await testStack();

Deno.test({
  name: "two VMs named web in two namespaces both run on one node, each with its firmware UUID",
  ignore,
  fn: () =>
    withNamespace(
      stack!.admin,
      "same-a",
      (first) =>
        withNamespace(stack!.admin, "same-b", async (second) => {
          const rest = adminRest(stack!);
          const registry = `127.0.0.1:${stack!.ports.registry}`;
          for (const namespace of [first, second]) {
            await rest.create(virtualMachines, {
              ...webVm("web", STACK_NODE_NAME, registry),
              metadata: { name: "web", namespace },
            } as KubeObject);
          }
          const running = (namespace: string) =>
            waitForPhase(rest, namespace, "web", "Running", 180_000);
          const [a, b] = [await running(first), await running(second)];
          assert.equal(a.status?.nodeName, b.status?.nodeName);
          assert.ok(a.spec.domain.firmware?.uuid);
          assert.notEqual(a.spec.domain.firmware?.uuid, b.spec.domain.firmware?.uuid);
        }),
    ),
});

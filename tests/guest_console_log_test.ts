/**
 * `kubectl logs` of a launcher pod's guest-console-log container on a kubelet-less node: the API
 * server calls the Node's kubelet endpoint, which the agent serves from the guest's serial log.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { GUEST_READY_MARKER } from "../stack/fixture/init_script.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { kubectl, kubectlOutput } from "./support/drains.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();

Deno.test("kubectl logs of a launcher pod's guest-console-log prints the guest's serial log", () =>
  withNamespace(stack.admin, "console-log", async (namespace) => {
    await stack.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: "kubevirt.io",
      version: "v1",
      plural: "virtualmachineinstances",
      namespace,
      body: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachineInstance",
        metadata: { name: "guest", namespace },
        spec: {
          domain: {
            memory: { guest: "128Mi" },
            devices: { disks: [{ name: "containerdisk", disk: { bus: "virtio" } }] },
          },
          terminationGracePeriodSeconds: 0,
          volumes: [{
            name: "containerdisk",
            containerDisk: {
              image: `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`,
            },
          }],
        },
      },
    });
    const pod = await eventually("the launcher pod", async () => {
      const names = await kubectlOutput(
        stack,
        "get",
        "pods",
        "-n",
        namespace,
        "-l",
        "kubevirt.io=virt-launcher",
        "-o",
        "jsonpath={.items[*].metadata.name}",
      );
      return names.trim() || undefined;
    }, 60_000);
    const containers = await kubectlOutput(
      stack,
      "get",
      "pod",
      pod,
      "-n",
      namespace,
      "-o",
      "jsonpath={.spec.initContainers[*].name}",
    );
    assert.equal(containers, "guest-console-log");

    const logs = (...args: string[]) =>
      kubectl(stack, ["logs", pod, "-n", namespace, "-c", "guest-console-log", ...args]);
    const boot = await eventually("the guest's boot lines in kubectl logs", async () => {
      const out = await logs();
      return out.code === 0 && out.stdout.includes(GUEST_READY_MARKER) ? out.stdout : undefined;
    }, 180_000);
    assert.match(boot, /DENOVIRT-INIT-START/);

    const tail = await logs("--tail=1");
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(tail.stdout.trimEnd().split("\n").length, 1, tail.stdout);

    // Followed, the answer ends once the byte limit is reached.
    const followed = await logs("--follow", "--limit-bytes=16");
    assert.equal(followed.code, 0, followed.stderr);
    assert.ok(followed.stdout.length > 0 && boot.startsWith(followed.stdout), followed.stdout);
    assert.ok(followed.stdout.length <= 16, followed.stdout);

    // The holder container writes nothing; kubectl picks it by the default-container annotation.
    const compute = await kubectl(stack, ["logs", pod, "-n", namespace]);
    assert.equal(compute.code, 0, compute.stderr);
    assert.equal(compute.stdout, "");

    const timestamps = await logs("--timestamps");
    assert.notEqual(timestamps.code, 0);
    assert.match(timestamps.stderr, /timestamps is not supported by denovirt/);
  }));

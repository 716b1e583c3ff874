/** The local stack's control plane is real Kubernetes: API server with RBAC, scheduler, CRDs. */
import assert from "node:assert/strict";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1Pod,
} from "@kubernetes/client-node";
import { ensureKubeBinaries } from "../stack/kube_binaries.ts";
import { KUBERNETES_VERSION } from "../stack/versions.ts";
import { eventually, identityConfig, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

Deno.test("the API server creates a namespace, a CRD, a custom object and a Pod", async () => {
  const core = stack.admin.makeApiClient(CoreV1Api);
  const ext = stack.admin.makeApiClient(ApiextensionsV1Api);
  const group = `t${crypto.randomUUID().slice(0, 6)}.denovirt.test`;
  const crdName = `widgets.${group}`;
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name: crdName },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [{
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
            },
          },
        }],
      },
    },
  });
  try {
    await eventually("the CRD to be established", async () => {
      const crd = await ext.readCustomResourceDefinition({ name: crdName });
      return crd.status?.conditions?.find((c) => c.type === "Established" && c.status === "True");
    });
    await withNamespace(stack.admin, "cp", async (namespace) => {
      const custom = stack.admin.makeApiClient(CustomObjectsApi);
      await custom.createNamespacedCustomObject({
        group,
        version: "v1",
        namespace,
        plural: "widgets",
        body: {
          apiVersion: `${group}/v1`,
          kind: "Widget",
          metadata: { name: "w" },
          spec: { size: 3 },
        },
      });
      const widget = await custom.getNamespacedCustomObject({
        group,
        version: "v1",
        namespace,
        plural: "widgets",
        name: "w",
      }) as { spec: { size: number } };
      assert.equal(widget.spec.size, 3);

      const pod = await core.createNamespacedPod({
        namespace,
        body: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "holder" }] } },
      });
      assert.equal(pod.metadata?.namespace, namespace);
      assert.ok(pod.metadata?.uid, "the API server assigns a uid");
    });
  } finally {
    await ext.deleteCustomResourceDefinition({ name: crdName }).catch(() => {});
  }
});

Deno.test("RBAC is enforced: a role identity is refused what its ClusterRole does not grant", async () => {
  const agent = identityConfig(stack, "denovirt-agent");
  const core = agent.makeApiClient(CoreV1Api);
  await assert.rejects(
    core.createNamespace({
      body: { metadata: { name: `forbidden-${crypto.randomUUID().slice(0, 6)}` } },
    }),
    (error) => statusCode(error) === 403,
  );
  await assert.rejects(
    core.deleteCollectionNamespacedPod({ namespace: "default" }),
    (error) => statusCode(error) === 403,
  );
  const allowed = await core.listNode();
  assert.ok(Array.isArray(allowed.items), "the agent may list nodes");
});

Deno.test("kube-scheduler binds a pod to a registered Node", async () => {
  const core = stack.admin.makeApiClient(CoreV1Api);
  const nodeName = `node-${crypto.randomUUID().slice(0, 8)}`;
  await core.createNode({
    body: {
      metadata: {
        name: nodeName,
        labels: { "kubernetes.io/hostname": nodeName, "test.denovirt.io/node": nodeName },
      },
      status: { capacity: { cpu: "4", memory: "8Gi", pods: "110" } },
    },
  });
  try {
    // No kubelet here: the test reports the node Ready itself, as the agent does on such nodes.
    await core.patchNodeStatus({
      name: nodeName,
      body: [{
        op: "add",
        path: "/status/conditions",
        value: [{ type: "Ready", status: "True", reason: "Test", lastHeartbeatTime: new Date() }],
      }, {
        op: "add",
        path: "/status/allocatable",
        value: { cpu: "4", memory: "8Gi", pods: "110" },
      }],
    });
    await withNamespace(stack.admin, "sched", async (namespace) => {
      const body: V1Pod = {
        metadata: { name: "bound" },
        spec: {
          containers: [{
            name: "c",
            image: "holder",
            resources: { requests: { cpu: "100m", memory: "64Mi" } },
          }],
          nodeSelector: { "test.denovirt.io/node": nodeName },
          tolerations: [{ operator: "Exists" }],
        },
      };
      await core.createNamespacedPod({ namespace, body });
      const boundTo = await eventually("the scheduler to bind the pod", async () => {
        const pod = await core.readNamespacedPod({ namespace, name: "bound" });
        return pod.spec?.nodeName;
      });
      assert.equal(boundTo, nodeName);
    });
  } finally {
    await core.deleteNode({ name: nodeName }).catch(() => {});
  }
});

Deno.test("kubectl version parses both versions and prints the pinned Kubernetes release twice", async () => {
  const kubectl = (await ensureKubeBinaries()).kubectl;
  const out = await new Deno.Command(kubectl, {
    args: ["version", "--kubeconfig", stack.paths.kubeconfig, "-o", "json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(out.code, 0, text(out.stderr));
  const versions = JSON.parse(text(out.stdout));
  assert.equal(versions.clientVersion.gitVersion, `v${KUBERNETES_VERSION}`);
  assert.equal(versions.serverVersion.gitVersion, `v${KUBERNETES_VERSION}`);
  assert.equal(versions.serverVersion.minor, KUBERNETES_VERSION.split(".")[1]);
});

/**
 * VM policies behind the real API server and the stack's webhooks: a cluster policy in Enforce
 * refuses a VM over its memory limit, a containerDisk from another registry and a hostDisk VM,
 * naming policy, rule and field; in Warn the same VMs are admitted with the warning kubectl
 * prints; a namespaced policy tightens its own namespace only; in Audit a violating VM is admitted
 * with a PolicyViolation Event, and each policy's status counts the existing violators. VMs are
 * Halted: nothing runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { ensureKubeBinaries } from "../stack/kube_binaries.ts";
import { kubectlOutput } from "./support/drains.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";

const ignore = !ROLES_READY_FOR_THE_STACK.includes("webhooks");
const stack: TestStack | undefined = ignore ? undefined : await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const POLICY = { group: "policy.denovirt.io", version: "v1alpha1" };
const api = () => stack!.admin.makeApiClient(CustomObjectsApi);

/** `kubectl create --dry-run=server` of `object`: whether it was admitted, and what it printed. */
async function dryRunCreate(object: Json): Promise<{ ok: boolean; output: string }> {
  const bin = (await ensureKubeBinaries()).kubectl;
  const child = new Deno.Command(bin, {
    args: [`--kubeconfig=${stack!.paths.kubeconfig}`, "create", "--dry-run=server", "-f", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(object)));
  await writer.close();
  const out = await child.output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { ok: out.success, output: text(out.stdout) + text(out.stderr) };
}

/** A VM in `namespace` with `memory`, a containerDisk `image` and, if asked, a hostDisk. */
function vm(namespace: string, name: string, memory: string, image: string, hostDisk?: string) {
  const volumes: Json[] = [{ name: "root", containerDisk: { image } }];
  const disks: Json[] = [{ name: "root", disk: { bus: "virtio" } }];
  if (hostDisk) {
    volumes.push({
      name: "scratch",
      hostDisk: { path: hostDisk, type: "DiskOrCreate", capacity: "64Mi" },
    });
    disks.push({ name: "scratch", disk: { bus: "virtio" } });
  }
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name, namespace },
    spec: {
      runStrategy: "Halted",
      template: {
        spec: {
          domain: { memory: { guest: memory }, devices: { disks } },
          volumes,
        },
      },
    },
  };
}

function clusterPolicy(name: string, namespace: string, mode: string, rules: Json): Json {
  return {
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind: "VirtualMachineClusterPolicy",
    metadata: { name },
    spec: {
      mode,
      // Only the test's namespace: the stack is shared by the other tests of a run.
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
      rules,
    },
  };
}

/** Runs `fn` with the cluster policy `body` in force, deleting it afterwards, even on failure. */
async function withClusterPolicy(body: Json, fn: () => Promise<void>): Promise<void> {
  await api().createClusterCustomObject({
    ...POLICY,
    plural: "virtualmachineclusterpolicies",
    body,
  });
  try {
    await fn();
  } finally {
    await api().deleteClusterCustomObject({
      ...POLICY,
      plural: "virtualmachineclusterpolicies",
      name: body.metadata.name,
    }).catch(() => {});
  }
}

Deno.test({
  name: "a cluster policy refuses in Enforce and warns in Warn, naming policy, rule and field",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "policy", async (namespace) => {
      const registry = `127.0.0.1:${stack!.ports.registry}`;
      const name = `small-vms-${namespace}`;
      const rules = {
        maxGuestMemory: "256Mi",
        allowedImageRegistries: [registry],
        forbiddenVolumeTypes: ["hostDisk"],
      };
      const good = `${registry}/denovirt/guest:latest`;
      const hostDisk = join(hostDiskDir(stack!.paths), `${namespace}.img`);
      const cases: Array<[string, Json, RegExp]> = [
        [
          "a 1Gi VM",
          vm(namespace, "big", "1Gi", good),
          new RegExp(
            `spec\\.template\\.spec\\.domain\\.memory\\.guest: 1Gi is over 256Mi allowed by ` +
              `VirtualMachineClusterPolicy ${name} \\(maxGuestMemory\\)`,
          ),
        ],
        [
          "a containerDisk from another registry",
          vm(namespace, "elsewhere", "128Mi", "quay.io/containerdisks/fedora:40"),
          new RegExp(
            `spec\\.template\\.spec\\.volumes\\[0\\]\\.containerDisk\\.image: ` +
              `"quay\\.io/containerdisks/fedora:40" is not from a registry allowed by ` +
              `VirtualMachineClusterPolicy ${name} \\(allowedImageRegistries\\)`,
          ),
        ],
        [
          "a hostDisk VM",
          vm(namespace, "host", "128Mi", good, hostDisk),
          new RegExp(
            `spec\\.template\\.spec\\.volumes\\[1\\]\\.hostDisk: hostDisk volumes are forbidden ` +
              `by VirtualMachineClusterPolicy ${name} \\(forbiddenVolumeTypes\\)`,
          ),
        ],
      ];
      // Each VM is admitted before the policy exists: the refusals are the policy's.
      for (const [what, object] of cases) {
        const before = await dryRunCreate(object);
        assert.ok(before.ok, `${what} without a policy: ${before.output}`);
      }
      await withClusterPolicy(clusterPolicy(name, namespace, "Enforce", rules), async () => {
        // The webhooks' cache follows the policy within moments.
        await eventually("the policy to be enforced", async () => {
          const answer = await dryRunCreate(cases[0]![1]);
          return answer.ok ? undefined : answer;
        });
        for (const [what, object, message] of cases) {
          const answer = await dryRunCreate(object);
          assert.equal(answer.ok, false, `${what} in Enforce: ${answer.output}`);
          assert.match(answer.output, message, what);
        }
        await api().patchClusterCustomObject({
          ...POLICY,
          plural: "virtualmachineclusterpolicies",
          name,
          body: [{ op: "replace", path: "/spec/mode", value: "Warn" }],
        });
        await eventually("the policy to warn", async () => {
          const answer = await dryRunCreate(cases[0]![1]);
          return answer.ok ? answer : undefined;
        });
        for (const [what, object, message] of cases) {
          const answer = await dryRunCreate(object);
          assert.equal(answer.ok, true, `${what} in Warn: ${answer.output}`);
          assert.match(answer.output, /Warning: /, what);
          assert.match(answer.output, message, what);
        }
      });
    }),
});

Deno.test({
  name: "a namespaced policy tightens its own namespace only",
  ignore,
  fn: () =>
    withNamespace(
      stack!.admin,
      "policy-a",
      (tight) =>
        withNamespace(stack!.admin, "policy-b", async (other) => {
          const image = `127.0.0.1:${stack!.ports.registry}/denovirt/guest:latest`;
          await api().createNamespacedCustomObject({
            ...POLICY,
            namespace: tight,
            plural: "virtualmachinepolicies",
            body: {
              apiVersion: "policy.denovirt.io/v1alpha1",
              kind: "VirtualMachinePolicy",
              metadata: { name: "tiny", namespace: tight },
              spec: { mode: "Enforce", rules: { maxGuestMemory: "128Mi" } },
            },
          });
          const refused = await eventually("the namespaced policy to be enforced", async () => {
            const answer = await dryRunCreate(vm(tight, "mid", "200Mi", image));
            return answer.ok ? undefined : answer;
          });
          assert.match(
            refused.output,
            /spec\.template\.spec\.domain\.memory\.guest: 200Mi is over 128Mi allowed by VirtualMachinePolicy tiny \(maxGuestMemory\)/,
          );
          const elsewhere = await dryRunCreate(vm(other, "mid", "200Mi", image));
          assert.ok(elsewhere.ok, elsewhere.output);
          assert.doesNotMatch(elsewhere.output, /Warning/);
        }),
    ),
});

Deno.test({
  name: "a policy with a bad rule is refused, naming the rule's field",
  ignore,
  fn: async () => {
    const answer = await dryRunCreate({
      apiVersion: "policy.denovirt.io/v1alpha1",
      kind: "VirtualMachineClusterPolicy",
      metadata: { name: "bad-rule" },
      spec: { mode: "Enforce", rules: { allowedImageRegistries: ["not a host"] } },
    });
    assert.equal(answer.ok, false, answer.output);
    assert.match(answer.output, /spec\.rules\.allowedImageRegistries\[0\]: "not a host" must/);
  },
});

Deno.test({
  name: "an Audit policy admits with a PolicyViolation Event, and its status counts the violators",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "policy-audit", async (namespace) => {
      const image = `127.0.0.1:${stack!.ports.registry}/denovirt/guest:latest`;
      const create = (name: string, memory: string) =>
        api().createNamespacedCustomObject({
          group: "kubevirt.io",
          version: "v1",
          namespace,
          plural: "virtualmachines",
          body: vm(namespace, name, memory, image),
        });
      const remove = (name: string) =>
        api().deleteNamespacedCustomObject({
          group: "kubevirt.io",
          version: "v1",
          namespace,
          plural: "virtualmachines",
          name,
        });
      // Two VMs exist before the policy: one is over its limit.
      await create("big", "1Gi");
      await create("small", "128Mi");
      const name = `audit-${namespace}`;
      await withClusterPolicy(
        clusterPolicy(name, namespace, "Audit", { maxGuestMemory: "256Mi" }),
        async () => {
          const statusIs = (violations: number, violators: string[]) =>
            eventually(`the policy to count ${violations}`, async () => {
              const policy = await api().getClusterCustomObject({
                ...POLICY,
                plural: "virtualmachineclusterpolicies",
                name,
              }) as Json;
              const status = policy.status ?? {};
              return status.violations === violations &&
                  JSON.stringify(status.violators) === JSON.stringify(violators)
                ? status
                : undefined;
            });
          await statusIs(1, [`VirtualMachine ${namespace}/big`]);
          const table = await kubectlOutput(stack!, "get", "vmclusterpolicy", name);
          assert.match(table, new RegExp(`${name}\\s+Audit\\s+1\\s`), table);

          // Admitted in Audit, with an Event that names the field, the policy and the rule.
          await create("bigger", "2Gi");
          const core = stack!.admin.makeApiClient(CoreV1Api);
          const event = await eventually("a PolicyViolation Event", async () => {
            const events = await core.listNamespacedEvent({
              namespace,
              fieldSelector: "involvedObject.name=bigger",
            });
            return events.items.find((e) => e.reason === "PolicyViolation");
          });
          assert.equal(event.type, "Warning");
          assert.match(
            event.message ?? "",
            new RegExp(
              `spec\\.template\\.spec\\.domain\\.memory\\.guest: 2Gi is over 256Mi allowed ` +
                `by VirtualMachineClusterPolicy ${name} \\(maxGuestMemory\\)`,
            ),
          );
          await statusIs(2, [
            `VirtualMachine ${namespace}/big`,
            `VirtualMachine ${namespace}/bigger`,
          ]);

          // Fewer violators when one goes; a looser limit counts none.
          await remove("big");
          await statusIs(1, [`VirtualMachine ${namespace}/bigger`]);
          await api().patchClusterCustomObject({
            ...POLICY,
            plural: "virtualmachineclusterpolicies",
            name,
            body: [{ op: "replace", path: "/spec/rules/maxGuestMemory", value: "4Gi" }],
          });
          await statusIs(0, []);
        },
      );
    }),
});

Deno.test({
  name: "a claim with CDI's import annotations meets the policies as its DataVolume would",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "policy-pvc", async (namespace) => {
      const endpoint = "cdi.kubevirt.io/storage.import.endpoint";
      const claim = (name: string, annotations?: Record<string, string>) => ({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name, namespace, annotations },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
      });
      const elsewhere = claim("elsewhere", { [endpoint]: "http://images.example.com/disk.img" });
      const before = await dryRunCreate(elsewhere);
      assert.ok(before.ok, `without a policy: ${before.output}`);
      const name = `import-hosts-${namespace}`;
      await withClusterPolicy(
        clusterPolicy(name, namespace, "Enforce", { allowedImportHosts: ["127.0.0.1:*"] }),
        async () => {
          const refused = await eventually("the claim to be refused", async () => {
            const answer = await dryRunCreate(elsewhere);
            return answer.ok ? undefined : answer;
          });
          assert.match(
            refused.output,
            new RegExp(
              `metadata\\.annotations\\[cdi\\.kubevirt\\.io/storage\\.import\\.endpoint\\]: host ` +
                `"images\\.example\\.com" is not allowed by VirtualMachineClusterPolicy ${name} ` +
                `\\(allowedImportHosts\\)`,
            ),
          );
          const local = await dryRunCreate(
            claim("local", { [endpoint]: `http://127.0.0.1:${stack!.ports.registry}/disk.img` }),
          );
          assert.ok(local.ok, `an allowed host: ${local.output}`);
          const plain = await dryRunCreate(claim("plain"));
          assert.ok(plain.ok, `a claim without an import: ${plain.output}`);
        },
      );
    }),
});

import assert from "node:assert/strict";
import { launcherPodFor, launcherPodName } from "./launcher_pod.ts";
import { launcherResources, memoryOverheadOf } from "./resources.ts";
import { VMI_UID, vmiFixture } from "./testdata/fixtures.ts";

const IMAGE = "registry.k8s.io/pause:3.10";

Deno.test("launcherPodName() is virt-launcher-<vmi>-<5 chars>, the same for the same VMI UID", () => {
  const name = launcherPodName(vmiFixture());
  assert.match(name, /^virt-launcher-web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(launcherPodName(vmiFixture()), name);
  assert.notEqual(launcherPodName(vmiFixture(undefined, (v) => v.metadata.uid = "other")), name);
  const long = vmiFixture(undefined, (v) => v.metadata.name = "x".repeat(200));
  assert.equal(launcherPodName(long).length, 63, "58 like generateName, plus 5");
});

Deno.test("launcherPodFor() labels the pod as KubeVirt does and makes the VMI its controller", () => {
  const pod = launcherPodFor(vmiFixture(), { image: IMAGE });
  assert.deepEqual(pod.metadata?.labels, {
    app: "web",
    "kubevirt.io": "virt-launcher",
    "kubevirt.io/created-by": VMI_UID,
    "vm.kubevirt.io/name": "web",
    "vmi.kubevirt.io/id": "web",
    "kubevirt.io/domain": "web",
  });
  assert.deepEqual(pod.metadata?.ownerReferences, [{
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    name: "web",
    uid: VMI_UID,
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assert.equal(pod.metadata?.namespace, "prod");
});

Deno.test("launcherPodFor() copies the scheduling fields and selects schedulable nodes", () => {
  const pod = launcherPodFor(vmiFixture(), { image: IMAGE });
  const spec = pod.spec!;
  assert.deepEqual(spec.nodeSelector, { disk: "ssd", "kubevirt.io/schedulable": "true" });
  assert.deepEqual(spec.tolerations, [
    { key: "dedicated", operator: "Equal", value: "vms", effect: "NoSchedule" },
  ]);
  assert.deepEqual(spec.affinity, {
    nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
  });
  assert.equal(spec.priorityClassName, "high");
  assert.equal(spec.terminationGracePeriodSeconds, 90, "60 s plus KubeVirt's 2 × 15 s padding");
  assert.equal(spec.restartPolicy, "Never");
  assert.deepEqual(spec.containers.map((c) => [c.name, c.image]), [["compute", IMAGE]]);
});

Deno.test("launcherResources() requests guest memory plus overhead, and 100m per vCPU", () => {
  const vmi = vmiFixture();
  // 1Gi guest, 2 vCPUs: 32Mi + 2 × 8Mi + 1Gi/512 = 50Mi.
  assert.equal(memoryOverheadOf(vmi), 50n << 20n);
  assert.deepEqual(launcherResources(vmi), { requests: { cpu: "200m", memory: "1074Mi" } });
  assert.deepEqual(launcherResources(vmi, { cpuAllocationRatio: 1 }).requests.cpu, "2");
});

Deno.test("launcherResources() takes the VMI's own requests and limits first", () => {
  const vmi = vmiFixture(undefined, (v) => {
    v.spec.domain.resources = {
      requests: { cpu: "1500m", memory: "512Mi" },
      limits: { cpu: "2", memory: "2Gi" },
    };
  });
  assert.deepEqual(launcherResources(vmi), {
    requests: { cpu: "1500m", memory: "562Mi" },
    limits: { cpu: "2", memory: "2098Mi" },
  });
  const overcommit = vmiFixture(undefined, (v) => {
    v.spec.domain.resources = { requests: { memory: "512Mi" }, overcommitGuestOverhead: true };
  });
  assert.equal(launcherResources(overcommit).requests.memory, "512Mi");
});

Deno.test("launcherResources() refuses a VMI without any memory size", () => {
  const vmi = vmiFixture(undefined, (v) => delete v.spec.domain.memory);
  assert.throws(() => launcherResources(vmi), /spec\.domain\.resources\.requests\.memory/);
});

Deno.test("launcherPodFor() mounts the VMI's claims so the scheduler places it with them", () => {
  const vmi = vmiFixture(undefined, (v) => {
    v.spec.volumes = [
      { name: "root", dataVolume: { name: "root-dv" } },
      { name: "data", persistentVolumeClaim: { claimName: "data-pvc" } },
      { name: "base", ephemeral: { persistentVolumeClaim: { claimName: "golden" } } },
      { name: "scratch", emptyDisk: { capacity: "1Gi" } },
    ];
  });
  assert.deepEqual(launcherPodFor(vmi, { image: IMAGE }).spec?.volumes, [
    { name: "root", persistentVolumeClaim: { claimName: "root-dv", readOnly: false } },
    { name: "data", persistentVolumeClaim: { claimName: "data-pvc", readOnly: false } },
    { name: "base", persistentVolumeClaim: { claimName: "golden", readOnly: true } },
  ]);
  const withoutClaims = vmiFixture(undefined, (v) => (v.spec.volumes = []));
  assert.equal(launcherPodFor(withoutClaims, { image: IMAGE }).spec?.volumes, undefined);
});

Deno.test("launcherPodFor() adds KubeVirt's guest-console-log sidecar unless the serial console is not logged", () => {
  const pod = launcherPodFor(vmiFixture(), { image: IMAGE });
  assert.deepEqual(pod.spec?.initContainers, [{
    name: "guest-console-log",
    image: IMAGE,
    imagePullPolicy: "IfNotPresent",
    restartPolicy: "Always",
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    },
  }]);
  const without = (devices: Record<string, boolean>) =>
    launcherPodFor(
      vmiFixture(undefined, (v) => Object.assign(v.spec.domain.devices ??= {}, devices)),
      { image: IMAGE },
    ).spec?.initContainers;
  assert.equal(without({ logSerialConsole: false }), undefined);
  assert.equal(without({ autoattachSerialConsole: false }), undefined);
  assert.ok(without({ logSerialConsole: true }));
});

/**
 * The install (`kubectl apply -k manifests/cluster`) as kustomize renders it: what it holds, the
 * image every pod runs, probes, requests and who is privileged. Needs the project's kubectl.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { KUBELET_LESS_LABEL } from "../api/contract.ts";
import { kubeBinaryPaths } from "../stack/kube_binaries.ts";
import { CLUSTER_MANIFESTS, containersOf, renderCluster, type Rendered } from "./render.ts";

const IMAGE = "localhost/denovirt:0.1.0";
const kubectl = kubeBinaryPaths().kubectl;
const noKubectl = await Deno.stat(kubectl).then(() => false, () => true);
const objects = noKubectl ? [] : await renderCluster(kubectl);
const find = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const workloads = () => objects.filter((o) => ["Deployment", "DaemonSet", "Job"].includes(o.kind));
const test = (name: string, fn: () => void) => Deno.test({ name, ignore: noKubectl, fn });

test("renderCluster() holds the CRDs, RBAC, every role's workload and the registrations", () => {
  const kinds = (kind: string) =>
    objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
  const crdFiles = [...Deno.readDirSync(new URL("../manifests/crds", import.meta.url))]
    .filter((entry) => entry.name.endsWith(".yaml"));
  assert.equal(kinds("CustomResourceDefinition").length, crdFiles.length);
  assert.deepEqual(kinds("Deployment"), ["denovirt-controllers", "denovirt-webhooks"]);
  assert.deepEqual(kinds("DaemonSet"), ["denovirt-agent"]);
  assert.deepEqual(kinds("Job"), ["denovirt-certs"]);
  assert.deepEqual(kinds("PodDisruptionBudget"), ["denovirt-controllers", "denovirt-webhooks"]);
  assert.deepEqual(kinds("APIService"), [
    "v1.subresources.kubevirt.io",
    "v1alpha3.subresources.kubevirt.io",
  ]);
  assert.deepEqual(kinds("StorageClass"), ["denovirt-local", "denovirt-local-immediate"]);
  assert.ok(find("ValidatingAdmissionPolicy", "denovirt-node-restriction"));
  assert.ok(find("ClusterRole", "denovirt-agent"));
  assert.equal(
    find("Namespace", "denovirt")?.metadata.labels["pod-security.kubernetes.io/enforce"],
    "privileged",
  );
});

test("renderCluster() runs every container from the project's image, as imported or pulled once", () => {
  for (const workload of workloads()) {
    for (const c of containersOf(workload)) {
      assert.equal(c.image, IMAGE, `${workload.metadata.name}/${c.name}`);
      assert.equal(c.imagePullPolicy, "IfNotPresent", `${workload.metadata.name}/${c.name}`);
    }
  }
});

test("renderCluster() gives every long-running container probes and requests", () => {
  for (const workload of workloads().filter((w) => w.kind !== "Job")) {
    for (const c of workload.spec.template.spec.containers) {
      const what = `${workload.metadata.name}/${c.name}`;
      assert.ok(c.livenessProbe?.httpGet?.path === "/healthz", `${what} liveness`);
      assert.ok(c.readinessProbe?.httpGet?.path === "/readyz", `${what} readiness`);
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${what} requests`);
      assert.ok(c.resources?.limits?.memory, `${what} memory limit`);
    }
  }
});

test("renderCluster() makes only the agent's main container privileged", () => {
  for (const workload of workloads()) {
    for (const c of containersOf(workload)) {
      const what = `${workload.metadata.name}/${c.name}`;
      if (workload.kind === "DaemonSet" && c.name === "agent") {
        assert.equal(c.securityContext?.privileged, true, what);
        continue;
      }
      const pod = workload.spec.template.spec.securityContext ?? {};
      assert.equal(c.securityContext?.runAsNonRoot ?? pod.runAsNonRoot, true, `${what} non-root`);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, what);
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, what);
      assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], what);
      assert.notEqual(c.securityContext?.privileged, true, what);
    }
  }
});

test("renderCluster() puts the agent on the host network, never in the host's PID namespace", () => {
  const agent = find("DaemonSet", "denovirt-agent")!.spec.template.spec;
  assert.equal(agent.hostNetwork, true);
  assert.notEqual(agent.hostPID, true);
  assert.equal(agent.nodeSelector["kubernetes.io/os"], "linux");
  const paths = agent.volumes.filter((v: Rendered) => v.hostPath).map((v: Rendered) =>
    v.hostPath.path
  );
  assert.deepEqual(paths.sort(), ["/run/netns", "/var/lib/denovirt", "/var/run/libvirt"]);
  const mounts = agent.containers[0].volumeMounts as Rendered[];
  // The data directory at the host's own path: libvirtd opens the files the agent names.
  assert.ok(mounts.some((m) => m.mountPath === "/var/lib/denovirt"));
});

test("renderCluster() runs the controllers with leader election, two replicas each role", () => {
  const controllers = find("Deployment", "denovirt-controllers")!;
  assert.equal(controllers.spec.replicas, 2);
  assert.ok(controllers.spec.template.spec.containers[0].args.includes("--leader-elect=true"));
  assert.equal(find("Deployment", "denovirt-webhooks")!.spec.replicas, 2);
});

test("renderCluster() never mounts a CA's key into the webhooks", () => {
  const volumes = find("Deployment", "denovirt-webhooks")!.spec.template.spec.volumes as Rendered[];
  const keys = volumes.flatMap((v) => v.secret?.items ?? []).map((i: Rendered) => i.key);
  assert.ok(keys.includes("webhooks.key"));
  assert.ok(!keys.some((k: string) => k === "ca.key" || k === "agent-ca.key"));
});

test("renderCluster() sends every webhook and APIService to the webhooks Service, CA left to the job", () => {
  const service = find("Service", "denovirt-webhooks")!;
  const ports = new Map(service.spec.ports.map((p: Rendered) => [p.port, p.targetPort]));
  const podPorts = find("Deployment", "denovirt-webhooks")!.spec.template.spec.containers[0].ports
    .map((p: Rendered) => p.containerPort);
  for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
    for (const webhook of objects.find((o) => o.kind === kind)!.webhooks) {
      const target = webhook.clientConfig.service;
      assert.deepEqual([target.namespace, target.name], ["denovirt", "denovirt-webhooks"]);
      assert.ok(podPorts.includes(ports.get(target.port)), webhook.name);
      assert.equal(webhook.clientConfig.caBundle, undefined, webhook.name);
    }
  }
  for (const apiService of objects.filter((o) => o.kind === "APIService")) {
    assert.ok(podPorts.includes(ports.get(apiService.spec.service.port)));
  }
});

Deno.test("manifests/base and manifests/crds list every manifest of theirs in their Kustomization", async () => {
  for (const dir of ["base", "crds"]) {
    const path = join(CLUSTER_MANIFESTS, "..", dir);
    const files = [];
    for await (const e of Deno.readDir(path)) if (e.name.endsWith(".yaml")) files.push(e.name);
    const listed = [
      ...(await Deno.readTextFile(join(path, "Kustomization"))).matchAll(/^ {2}- (\S+)$/gm),
    ]
      .map((m) => m[1]);
    assert.deepEqual(listed.sort(), files.sort(), `manifests/${dir}/Kustomization`);
  }
});

test("renderCluster() keeps every pod off nodes that the agent registered (no kubelet there)", () => {
  for (const workload of workloads()) {
    const terms = workload.spec.template.spec.affinity?.nodeAffinity
      ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    assert.ok(terms.length > 0, workload.metadata.name);
    // Terms are ORed: each one must exclude the label.
    for (const term of terms) {
      assert.ok(
        term.matchExpressions?.some((e: Rendered) =>
          e.key === KUBELET_LESS_LABEL && e.operator === "DoesNotExist"
        ),
        workload.metadata.name,
      );
    }
  }
});

import assert from "node:assert/strict";
import type {
  ClusterPolicy,
  DataVolumeSpec,
  NamespacedPolicy,
  PolicyMode,
  PolicyRules,
  VirtualMachineInstanceSpec,
} from "./mod.ts";
import { applicablePolicies, evaluatePolicies, type PolicySubject } from "./policy_evaluate.ts";

const TEMPLATE = ["spec", "template", "spec"];

function clusterPolicy(name: string, rules: PolicyRules, mode: PolicyMode = "Enforce") {
  return {
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind: "VirtualMachineClusterPolicy",
    metadata: { name },
    spec: { mode, rules },
  } as ClusterPolicy;
}

function vmiSpec(extra: Record<string, unknown> = {}): VirtualMachineInstanceSpec {
  return {
    domain: {
      memory: { guest: "1Gi" },
      cpu: { sockets: 1, cores: 2, threads: 1 },
      devices: { interfaces: [{ name: "default", masquerade: {} }] },
    },
    networks: [{ name: "default", pod: {} }],
    volumes: [
      { name: "root", containerDisk: { image: "127.0.0.1:5000/vms/cirros:1" } },
      { name: "host", hostDisk: { path: "/var/x.img", type: "Disk" } },
    ],
    ...extra,
  } as VirtualMachineInstanceSpec;
}

function vmSubject(spec = vmiSpec(), labels?: Record<string, string>): PolicySubject {
  return {
    vmiSpecs: [{ path: TEMPLATE, spec }],
    vmLabels: [{ path: ["metadata", "labels"], labels }],
    dataVolumes: [],
  };
}

function lines(rules: PolicyRules, subject: PolicySubject = vmSubject()): string[] {
  return evaluatePolicies([clusterPolicy("p", rules)], subject).map((v) =>
    `${v.field}: ${v.message}`
  );
}

Deno.test("evaluatePolicies() words a memory violation as the refusal shows it", () => {
  const found = evaluatePolicies(
    [clusterPolicy("small-vms", { maxGuestMemory: "256Mi" })],
    vmSubject(),
  );
  assert.equal(found.length, 1);
  assert.equal(found[0]!.rule, "maxGuestMemory");
  assert.equal(
    `${found[0]!.field}: ${found[0]!.message}`,
    "spec.template.spec.domain.memory.guest: 1Gi is over 256Mi allowed by " +
      "VirtualMachineClusterPolicy small-vms (maxGuestMemory)",
  );
});

Deno.test("evaluatePolicies() checks each rule against the field it names", () => {
  const cases: Array<[string, PolicyRules, string[]]> = [
    ["memory within the limit", { maxGuestMemory: "1Gi" }, []],
    ["memory from the request when guest is unset", { maxGuestMemory: "512Mi" }, []],
    ["vCPUs over the limit", { maxVCPUs: 1 }, [
      "spec.template.spec.domain.cpu: 2 vCPUs are over 1 allowed by VirtualMachineClusterPolicy p (maxVCPUs)",
    ]],
    ["vCPUs within the limit", { maxVCPUs: 2 }, []],
    ["registry with its port and a path prefix", {
      allowedImageRegistries: ["127.0.0.1:5000/vms"],
    }, []],
    ["registry with any port", { allowedImageRegistries: ["127.0.0.1:*"] }, []],
    ["another path prefix", { allowedImageRegistries: ["127.0.0.1:5000/other/*"] }, [
      'spec.template.spec.volumes[0].containerDisk.image: "127.0.0.1:5000/vms/cirros:1" is not ' +
      "from a registry allowed by VirtualMachineClusterPolicy p (allowedImageRegistries)",
    ]],
    ["a host without the port", { allowedImageRegistries: ["127.0.0.1"] }, [
      'spec.template.spec.volumes[0].containerDisk.image: "127.0.0.1:5000/vms/cirros:1" is not ' +
      "from a registry allowed by VirtualMachineClusterPolicy p (allowedImageRegistries)",
    ]],
    ["forbidden volume type", { forbiddenVolumeTypes: ["hostDisk"] }, [
      "spec.template.spec.volumes[1].hostDisk: hostDisk volumes are forbidden by " +
      "VirtualMachineClusterPolicy p (forbiddenVolumeTypes)",
    ]],
    ["volume type not used", { forbiddenVolumeTypes: ["emptyDisk"] }, []],
    ["hostDisk inside an allowed directory", { allowedHostDiskDirs: ["/srv", "/var/"] }, []],
    ["hostDisk outside the allowed directories", { allowedHostDiskDirs: ["/var/x", "/srv"] }, [
      'spec.template.spec.volumes[1].hostDisk.path: "/var/x.img" is not inside a directory ' +
      "allowed by VirtualMachineClusterPolicy p (allowedHostDiskDirs)",
    ]],
    ["binding not allowed", { allowedNetworkBindings: ["bridge"] }, [
      "spec.template.spec.domain.devices.interfaces[0].masquerade: the masquerade binding is not " +
      "allowed by VirtualMachineClusterPolicy p (allowedNetworkBindings)",
    ]],
    ["binding allowed", { allowedNetworkBindings: ["masquerade"] }, []],
    ["required label missing", { requiredLabels: [{ key: "team" }] }, [
      'metadata.labels: label "team" is required by VirtualMachineClusterPolicy p (requiredLabels)',
    ]],
  ];
  for (const [name, rules, want] of cases) {
    const subject = name.includes("request")
      ? vmSubject(vmiSpec({
        domain: { resources: { requests: { memory: "512Mi" } }, devices: {} },
      }))
      : vmSubject();
    assert.deepEqual(lines(rules, subject), want, name);
  }
});

Deno.test("evaluatePolicies() reads the memory request when memory.guest is unset", () => {
  const spec = vmiSpec({ domain: { resources: { requests: { memory: "2Gi" } }, devices: {} } });
  assert.deepEqual(lines({ maxGuestMemory: "1Gi" }, vmSubject(spec)), [
    "spec.template.spec.domain.resources.requests.memory: 2Gi is over 1Gi allowed by " +
    "VirtualMachineClusterPolicy p (maxGuestMemory)",
  ]);
});

Deno.test("evaluatePolicies() checks required label values", () => {
  const rules: PolicyRules = { requiredLabels: [{ key: "team", values: ["a", "b"] }] };
  assert.deepEqual(lines(rules, vmSubject(vmiSpec(), { team: "a" })), []);
  assert.deepEqual(lines(rules, vmSubject(vmiSpec(), { team: "c" })), [
    'metadata.labels.team: "c" is not a value allowed by VirtualMachineClusterPolicy p ' +
    "(requiredLabels)",
  ]);
});

Deno.test("evaluatePolicies() checks DataVolume import hosts, registries and storage classes", () => {
  const dv = (spec: Record<string, unknown>): PolicySubject => ({
    vmiSpecs: [],
    vmLabels: [],
    dataVolumes: [{ path: ["spec"], spec: spec as DataVolumeSpec }],
  });
  const rules: PolicyRules = {
    allowedImportHosts: ["images.example.com", "mirror.example.com:*"],
    allowedImageRegistries: ["registry.example.com"],
    allowedStorageClasses: ["local"],
  };
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ source: { http: { url: "https://images.example.com/a.img" } }, storage: {} }, []],
    [{ source: { http: { url: "http://mirror.example.com:8080/a.img" } }, storage: {} }, []],
    [{ source: { http: { url: "https://evil.example.com/a.img" } }, storage: {} }, [
      'spec.source.http.url: host "evil.example.com" is not allowed by ' +
      "VirtualMachineClusterPolicy p (allowedImportHosts)",
    ]],
    [{ source: { registry: { url: "docker://registry.example.com/x:1" } }, storage: {} }, []],
    [{ source: { registry: { url: "docker://quay.io/x:1" } }, storage: {} }, [
      'spec.source.registry.url: "quay.io/x:1" is not from a registry allowed by ' +
      "VirtualMachineClusterPolicy p (allowedImageRegistries)",
    ]],
    [{ source: { blank: {} }, pvc: { storageClassName: "fast" } }, [
      'spec.pvc.storageClassName: storage class "fast" is not allowed by ' +
      "VirtualMachineClusterPolicy p (allowedStorageClasses)",
    ]],
    [{ source: { blank: {} }, storage: { storageClassName: "local" } }, []],
  ];
  for (const [spec, want] of cases) {
    assert.deepEqual(lines(rules, dv(spec)), want, JSON.stringify(spec));
  }
});

Deno.test("applicablePolicies() picks selected cluster policies and the namespace's own", () => {
  const all = clusterPolicy("all", {});
  const teams = {
    ...clusterPolicy("teams", {}),
    spec: { mode: "Enforce", rules: {}, namespaceSelector: { matchLabels: { tier: "team" } } },
  } as ClusterPolicy;
  const own = {
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind: "VirtualMachinePolicy",
    metadata: { name: "own", namespace: "a" },
    spec: { mode: "Enforce", rules: {} },
  } as NamespacedPolicy;
  const names = (ns: string, labels?: Record<string, string>) =>
    applicablePolicies([all, teams], [own], ns, labels).map((p) => p.metadata.name);
  assert.deepEqual(names("a", { tier: "team" }), ["all", "teams", "own"]);
  assert.deepEqual(names("b", {}), ["all"]);
  assert.deepEqual(names("b", undefined), ["all"]);
});

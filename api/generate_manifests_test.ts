import assert from "node:assert/strict";
import YAML from "yaml";
import { CRD_DIR, crdFor, crdManifests } from "./generate_manifests.ts";
import { kindInfo, KINDS } from "./kinds.ts";
import { structuralProblems } from "./structural.ts";

// deno-lint-ignore no-explicit-any
type Loose = any;

Deno.test("manifests/crds/ matches what the generator makes (run `deno task manifests`)", () => {
  const expected = crdManifests();
  const actual: Record<string, string> = {};
  for (const entry of Deno.readDirSync(CRD_DIR)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) {
      actual[entry.name] = Deno.readTextFileSync(new URL(entry.name, CRD_DIR));
    }
  }
  assert.deepEqual(Object.keys(actual).toSorted(), Object.keys(expected).toSorted());
  for (const [name, text] of Object.entries(expected)) {
    assert.equal(actual[name], text, `manifests/crds/${name} is stale: run deno task manifests`);
  }
});

Deno.test("crdManifests() is deterministic", () => {
  assert.deepEqual(crdManifests(), crdManifests());
});

Deno.test("every CRD schema is structural", () => {
  for (const info of KINDS) {
    const crd = crdFor(info) as Loose;
    for (const version of crd.spec.versions) {
      assert.deepEqual(structuralProblems(version.schema.openAPIV3Schema), [], info.kind);
    }
  }
});

Deno.test("the CRD files parse back to the CRD objects", () => {
  for (const [name, text] of Object.entries(crdManifests())) {
    const parsed = YAML.parse(text) as Loose;
    const info = KINDS.find((k) => name === `${k.plural}.${k.group}.yaml`)!;
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(crdFor(info))), name);
  }
});

Deno.test("kubevirt.io kinds serve v1 as storage and v1alpha3 as deprecated", () => {
  const crd = crdFor(kindInfo("VirtualMachineInstance")!) as Loose;
  const versions = crd.spec.versions.map((
    v: Loose,
  ) => [v.name, v.served, v.storage, !!v.deprecated]);
  assert.deepEqual(versions, [["v1", true, true, false], ["v1alpha3", true, false, true]]);
  assert.deepEqual(crd.spec.versions[0].schema, crd.spec.versions[1].schema);
  assert.deepEqual(crd.spec.versions[0].subresources, { status: {} });
});

Deno.test("CRDs carry KubeVirt's names, short names and printer columns", () => {
  const names = Object.fromEntries(
    KINDS.map((k) => [k.kind, (crdFor(k) as Loose).spec.names.shortNames.join(",")]),
  );
  assert.deepEqual(names, {
    VirtualMachine: "vm,vms",
    VirtualMachineInstance: "vmi,vmis",
    VirtualMachineInstanceMigration: "vmim,vmims",
    VirtualMachineInstanceReplicaSet: "vmirs,vmirss",
    DataVolume: "dv,dvs",
    VirtualMachineInstancetype: "vminstancetype,vminstancetypes,vmf,vmfs",
    VirtualMachineClusterInstancetype: "vmclusterinstancetype,vmclusterinstancetypes,vmcf,vmcfs",
    VirtualMachinePreference: "vmpref,vmprefs,vmp,vmps,vmpreference,vmpreferences",
    VirtualMachineClusterPreference: "vmcp,vmcps,vmclusterpreference,vmclusterpreferences",
    VirtualMachinePool: "vmpool,vmpools",
    VirtualMachineClusterPolicy: "vmclusterpolicy,vmclusterpolicies",
    VirtualMachinePolicy: "vmpolicy,vmpolicies",
  });
  for (const kind of ["VirtualMachineClusterPolicy", "VirtualMachinePolicy"]) {
    const crd = crdFor(kindInfo(kind)!) as Loose;
    assert.deepEqual(
      crd.spec.versions[0].additionalPrinterColumns.map((c: Loose) => `${c.name}=${c.jsonPath}`),
      ["Mode=.spec.mode", "Violations=.status.violations", "Age=.metadata.creationTimestamp"],
    );
  }
  const vm = crdFor(kindInfo("VirtualMachine")!) as Loose;
  assert.equal(vm.metadata.name, "virtualmachines.kubevirt.io");
  assert.deepEqual(vm.spec.names.categories, ["all"]);
  assert.deepEqual(
    vm.spec.versions[0].additionalPrinterColumns.map((c: Loose) => `${c.name}=${c.jsonPath}`),
    [
      "Age=.metadata.creationTimestamp",
      "Status=.status.printableStatus",
      "Ready=.status.conditions[?(@.type=='Ready')].status",
    ],
  );
  const dv = crdFor(kindInfo("DataVolume")!) as Loose;
  assert.equal(dv.metadata.name, "datavolumes.cdi.kubevirt.io");
  assert.deepEqual(dv.spec.versions.map((v: Loose) => v.name), ["v1beta1"]);
});

Deno.test("the cluster instance type and preference CRDs are cluster-scoped, without status", () => {
  for (const kind of ["VirtualMachineClusterInstancetype", "VirtualMachineClusterPreference"]) {
    const crd = crdFor(kindInfo(kind)!) as Loose;
    assert.equal(crd.spec.group, "instancetype.kubevirt.io");
    assert.equal(crd.spec.scope, "Cluster");
    assert.deepEqual(crd.spec.versions.map((v: Loose) => [v.name, v.subresources]), [
      ["v1beta1", {}],
    ]);
  }
  const namespaced = crdFor(kindInfo("VirtualMachineInstancetype")!) as Loose;
  assert.equal(namespaced.spec.scope, "Namespaced");
});

Deno.test("the VM pool CRD has KubeVirt's scale subresource and columns", () => {
  const pool = crdFor(kindInfo("VirtualMachinePool")!) as Loose;
  assert.equal(pool.metadata.name, "virtualmachinepools.pool.kubevirt.io");
  const [version] = pool.spec.versions;
  assert.equal(version.name, "v1alpha1");
  assert.deepEqual(version.subresources.scale, {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.replicas",
    labelSelectorPath: ".status.labelSelector",
  });
  assert.deepEqual(version.additionalPrinterColumns.map((c: Loose) => c.name), [
    "Desired",
    "Current",
    "Ready",
    "Age",
  ]);
});

Deno.test("the replica set CRD has KubeVirt's scale subresource and columns in every version", () => {
  const rs = crdFor(kindInfo("VirtualMachineInstanceReplicaSet")!) as Loose;
  for (const version of rs.spec.versions) {
    assert.deepEqual(version.subresources, {
      status: {},
      scale: {
        specReplicasPath: ".spec.replicas",
        statusReplicasPath: ".status.replicas",
        labelSelectorPath: ".status.labelSelector",
      },
    }, version.name);
    assert.deepEqual(
      version.additionalPrinterColumns.map((c: Loose) => `${c.name}:${c.type}=${c.jsonPath}`),
      [
        "Desired:integer=.spec.replicas",
        "Current:integer=.status.replicas",
        "Ready:integer=.status.readyReplicas",
        "Age:date=.metadata.creationTimestamp",
      ],
      version.name,
    );
  }
});

Deno.test("kubectl explain has descriptions for spec.runStrategy and spec.running", () => {
  const schema = (crdFor(kindInfo("VirtualMachine")!) as Loose).spec.versions[0].schema
    .openAPIV3Schema;
  const spec = schema.properties.spec.properties;
  assert.match(spec.runStrategy.description, /"RerunOnFailure"/);
  assert.match(spec.running.description, /^Deprecated/);
  assert.deepEqual(schema.required, ["spec"]);
  assert.deepEqual(schema.properties.metadata, { type: "object" });
  assert.equal(schema["x-kubernetes-preserve-unknown-fields"], undefined);
});

Deno.test("spec objects preserve unknown fields so the webhook can name them", () => {
  const schema = (crdFor(kindInfo("VirtualMachine")!) as Loose).spec.versions[0].schema
    .openAPIV3Schema;
  const template = schema.properties.spec.properties.template;
  const disk = template.properties.spec.properties.domain.properties.devices.properties.disks.items;
  assert.equal(disk["x-kubernetes-preserve-unknown-fields"], true);
  const affinity = template.properties.spec.properties.affinity;
  assert.deepEqual(affinity["x-kubernetes-preserve-unknown-fields"], true);
  const memory = template.properties.spec.properties.domain.properties.memory.properties.guest;
  assert.equal(memory["x-kubernetes-int-or-string"], true);
});

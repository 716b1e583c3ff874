import assert from "node:assert/strict";
import type { DV, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  type ClaimDecision,
  claimFor,
  type CloneSource,
  isClaimOf,
  nodeOfVolume,
} from "./claim_for.ts";
import { dvFixture, localVolume } from "./testdata/fixtures.ts";

const ENDPOINT = "cdi.kubevirt.io/storage.import.endpoint";
const SOURCE = "cdi.kubevirt.io/storage.import.source";
const CONTENT_TYPE = "cdi.kubevirt.io/storage.contentType";
const CLONE = "k8s.io/CloneRequest";
const NODE = "volume.kubernetes.io/selected-node";
const IMMEDIATE = "cdi.kubevirt.io/storage.bind.immediate.requested";

const annotationsOf = (d: ClaimDecision) => "claim" in d ? d.claim.metadata?.annotations : d;
const clone = (edit: (dv: DV) => void = () => {}) =>
  dvFixture((dv) => {
    dv.spec.source = { pvc: { namespace: "images", name: "golden" } };
    edit(dv);
  });
const bound = (node?: string): CloneSource => ({
  claim: {
    metadata: { name: "golden" },
    spec: { volumeName: "pvc-1234" },
    status: { phase: "Bound" },
  },
  volume: node ? localVolume(node) : { metadata: { name: "pvc-1234" } },
});

Deno.test("claimFor() annotates the claim for its source as CDI does", () => {
  const cases: Array<[string, DV, CloneSource | undefined, unknown]> = [
    [
      "http, bare",
      dvFixture(),
      undefined,
      {
        [ENDPOINT]: "https://images.example.org/cirros.qcow2",
        [SOURCE]: "http",
        [CONTENT_TYPE]: "kubevirt",
      },
    ],
    [
      "http with every option",
      dvFixture((dv) => {
        dv.spec.contentType = "kubevirt";
        dv.spec.source!.http = {
          url: "https://images.example.org/a.img",
          secretRef: "creds",
          certConfigMap: "ca",
          checksum: "sha256:abcd",
          extraHeaders: ["X-Token: 1", "X-Other: 2"],
        };
      }),
      undefined,
      {
        [ENDPOINT]: "https://images.example.org/a.img",
        [SOURCE]: "http",
        [CONTENT_TYPE]: "kubevirt",
        "cdi.kubevirt.io/storage.import.secretName": "creds",
        "cdi.kubevirt.io/storage.import.certConfigMap": "ca",
        "denovirt.io/import-checksum": "sha256:abcd",
        "denovirt.io/import-extra-headers": '["X-Token: 1","X-Other: 2"]',
      },
    ],
    [
      "registry, bare",
      dvFixture((dv) => dv.spec.source = { registry: { url: "docker://quay.io/d/fedora:40" } }),
      undefined,
      {
        [ENDPOINT]: "docker://quay.io/d/fedora:40",
        [SOURCE]: "registry",
        [CONTENT_TYPE]: "kubevirt",
      },
    ],
    [
      "registry with every option",
      dvFixture((dv) =>
        dv.spec.source = {
          registry: {
            url: "docker://registry.lan:5000/disks/a:1",
            pullMethod: "node",
            secretRef: "creds",
            certConfigMap: "ca",
            platform: { architecture: "amd64" },
          },
        }
      ),
      undefined,
      {
        [ENDPOINT]: "docker://registry.lan:5000/disks/a:1",
        [SOURCE]: "registry",
        [CONTENT_TYPE]: "kubevirt",
        "cdi.kubevirt.io/storage.import.registryImportMethod": "node",
        "cdi.kubevirt.io/storage.import.secretName": "creds",
        "cdi.kubevirt.io/storage.import.certConfigMap": "ca",
        "cdi.kubevirt.io/storage.import.registryImageArchitecture": "amd64",
      },
    ],
    [
      "registry image stream: named, for the agent to refuse",
      dvFixture((dv) =>
        dv.spec.source = { registry: { imageStream: "fedora", pullMethod: "node" } }
      ),
      undefined,
      {
        [ENDPOINT]: "fedora",
        [SOURCE]: "registry",
        [CONTENT_TYPE]: "kubevirt",
        "cdi.kubevirt.io/storage.import.registryImageStream": "true",
        "cdi.kubevirt.io/storage.import.registryImportMethod": "node",
      },
    ],
    [
      "bind.immediate copied from the DataVolume, whatever its value",
      dvFixture((dv) => {
        dv.metadata.annotations = { [IMMEDIATE]: "", other: "x" };
        dv.spec.source = { blank: {} };
      }),
      undefined,
      { [SOURCE]: "none", [IMMEDIATE]: "" },
    ],
    ["blank", dvFixture((dv) => dv.spec.source = { blank: {} }), undefined, { [SOURCE]: "none" }],
    [
      "clone of a local volume: pinned to its node",
      clone(),
      bound("node-a"),
      { [CLONE]: "images/golden", [NODE]: "node-a" },
    ],
    [
      "clone of a volume without node affinity: not pinned",
      clone(),
      bound(),
      { [CLONE]: "images/golden" },
    ],
    [
      "clone of a claim placed but not bound yet: its selected node",
      clone(),
      {
        claim: { metadata: { name: "golden", annotations: { [NODE]: "node-b" } } },
        volume: undefined,
      },
      { [CLONE]: "images/golden", [NODE]: "node-b" },
    ],
  ];
  for (const [what, dv, source, want] of cases) {
    assert.deepEqual(annotationsOf(claimFor(dv, source)), want, what);
  }
});

Deno.test("claimFor() waits for a clone's source to exist and to be bound", () => {
  const cases: Array<[string, CloneSource | undefined, RegExp]> = [
    ["no source claim", { claim: undefined, volume: undefined }, /images\/golden .*does not exist/],
    ["nothing known", undefined, /does not exist/],
    [
      "source unbound and unplaced",
      { claim: { metadata: { name: "golden" }, status: { phase: "Pending" } }, volume: undefined },
      /to be bound/,
    ],
    [
      "source bound, its volume unread",
      { claim: bound().claim, volume: undefined },
      /volume of the source PVC/,
    ],
  ];
  for (const [what, source, message] of cases) {
    const decision = claimFor(clone(), source);
    assert.ok("wait" in decision, what);
    assert.match(decision.wait.message, message, what);
  }
});

Deno.test("claimFor() makes the spec from spec.storage with CDI's defaults, or spec.pvc as given", () => {
  const specOf = (dv: DV) => {
    const d = claimFor(dv);
    return "claim" in d ? d.claim.spec : d;
  };
  assert.deepEqual(specOf(dvFixture()), {
    accessModes: ["ReadWriteOnce"],
    volumeMode: "Filesystem",
    resources: { requests: { storage: "1Gi" } },
  });
  assert.deepEqual(
    specOf(dvFixture((dv) => {
      dv.spec.storage = {
        accessModes: ["ReadWriteMany"],
        storageClassName: "denovirt-local-immediate",
        resources: { requests: { storage: "2Gi" } },
      };
    })),
    {
      accessModes: ["ReadWriteMany"],
      volumeMode: "Filesystem",
      storageClassName: "denovirt-local-immediate",
      resources: { requests: { storage: "2Gi" } },
    },
  );
  const pvc = {
    accessModes: ["ReadOnlyMany" as const],
    resources: { requests: { storage: "3Gi" } },
  };
  assert.deepEqual(
    specOf(dvFixture((dv) => {
      delete dv.spec.storage;
      dv.spec.pvc = pvc;
    })),
    pvc,
  );
});

Deno.test("claimFor() labels the claim as CDI's and makes the DataVolume its controller", () => {
  const dv = dvFixture();
  const decision = claimFor(dv);
  assert.ok("claim" in decision);
  const meta = decision.claim.metadata!;
  assert.equal(meta.name, "rootdisk");
  assert.equal(meta.namespace, "default");
  assert.deepEqual(meta.labels, {
    app: "containerized-data-importer",
    "app.kubernetes.io/component": "storage",
    "app.kubernetes.io/managed-by": "cdi-controller",
  });
  assert.deepEqual(meta.ownerReferences, [{
    apiVersion: "cdi.kubevirt.io/v1beta1",
    kind: "DataVolume",
    name: "rootdisk",
    uid: dv.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assert.ok(isClaimOf(decision.claim, dv));
  const other: PersistentVolumeClaim = { metadata: { name: "rootdisk" } };
  assert.equal(isClaimOf(other, dv), false);
});

Deno.test("claimFor() fails a DataVolume without a size or with a source the agent cannot fill", () => {
  const cases: Array<[string, DV, string, RegExp]> = [
    [
      "no size in spec.storage",
      dvFixture((dv) => dv.spec.storage = {}),
      "ErrClaimNotValid",
      /^spec\.storage\.resources\.requests\.storage: Required value/,
    ],
    [
      "no size in spec.pvc",
      dvFixture((dv) => {
        delete dv.spec.storage;
        dv.spec.pvc = { accessModes: ["ReadWriteOnce"] };
      }),
      "ErrClaimNotValid",
      /^spec\.pvc\.resources\.requests\.storage: Required value/,
    ],
    [
      "an s3 source",
      dvFixture((dv) => dv.spec.source = { s3: { url: "https://s3.example/b/disk.img" } }),
      "UnsupportedSource",
      /spec\.source\.s3 is not supported \(http, registry, blank, pvc are\)/,
    ],
    [
      "a sourceRef",
      dvFixture((dv) => {
        delete dv.spec.source;
        dv.spec.sourceRef = { kind: "DataSource", name: "fedora" };
      }),
      "UnsupportedSource",
      /spec\.sourceRef is not supported/,
    ],
  ];
  for (const [what, dv, reason, message] of cases) {
    const decision = claimFor(dv);
    assert.ok("fail" in decision, what);
    assert.equal(decision.fail.reason, reason, what);
    assert.match(decision.fail.message, message, what);
  }
});

Deno.test("nodeOfVolume() reads a single-node hostname affinity, nothing else", () => {
  assert.equal(nodeOfVolume(localVolume("node-a")), "node-a");
  assert.equal(nodeOfVolume(undefined), undefined);
  const two = localVolume("node-a");
  two.spec!.nodeAffinity!.required!.nodeSelectorTerms![0]!.matchExpressions![0]!.values = [
    "a",
    "b",
  ];
  assert.equal(nodeOfVolume(two), undefined);
});

import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_CERT_CONFIG_MAP,
  ANN_CHECKSUM,
  ANN_CLONE_REQUEST,
  ANN_CONTENT_TYPE,
  ANN_ENDPOINT,
  ANN_EXTRA_HEADERS,
  ANN_POD_PHASE,
  ANN_SECRET,
  ANN_SOURCE,
} from "../../api/storage_annotations.ts";
import { ImportError } from "../import/types.ts";
import {
  extraHeadersOf,
  type ImportLookups,
  importSourceFor,
  ImportWait,
} from "./import_request.ts";
import { boundClaim, NODE, pendingClaim, VOLUMES_DIR } from "./testdata.ts";

const b64 = (text: string) => btoa(text);

function lookups(
  opts: {
    secrets?: Record<string, Record<string, string>>;
    configMaps?: Record<string, Record<string, string>>;
    claims?: Record<string, { pvc: PersistentVolumeClaim; pv: PersistentVolume | undefined }>;
    insecure?: string[];
  } = {},
): ImportLookups {
  return {
    getSecret: (ns, name) => Promise.resolve(opts.secrets?.[`${ns}/${name}`]),
    getConfigMap: (ns, name) => Promise.resolve(opts.configMaps?.[`${ns}/${name}`]),
    insecureRegistries: () => Promise.resolve(opts.insecure ?? []),
    claim: (ns, name) => opts.claims?.[`${ns}/${name}`] ?? { pvc: undefined, pv: undefined },
  };
}

const claimWith = (annotations: Record<string, string>) => boundClaim({ annotations }).pvc;
const sourceOf = (pvc: PersistentVolumeClaim, l = lookups()) =>
  importSourceFor(pvc, NODE, VOLUMES_DIR, l);

Deno.test("importSourceFor() builds an http source with auth, headers, CAs and checksum", async () => {
  const pvc = claimWith({
    [ANN_ENDPOINT]: "https://images.example/disk.qcow2",
    [ANN_SECRET]: "creds",
    [ANN_CERT_CONFIG_MAP]: "cas",
    [ANN_CHECKSUM]: "sha256:abcd",
    [ANN_EXTRA_HEADERS]: JSON.stringify(["X-Token: t0k3n", "Accept:  */*"]),
  });
  const source = await sourceOf(
    pvc,
    lookups({
      secrets: { "default/creds": { accessKeyId: b64("user"), secretKey: b64("p@ss:word") } },
      configMaps: { "default/cas": { "b.crt": "PEM-B", "a.crt": "PEM-A" } },
    }),
  );
  assert.deepEqual(source, {
    kind: "http",
    url: "https://images.example/disk.qcow2",
    headers: {
      "X-Token": "t0k3n",
      Accept: "*/*",
      Authorization: `Basic ${b64("user:p@ss:word")}`,
    },
    caCerts: ["PEM-A", "PEM-B"],
    checksum: "sha256:abcd",
  });
});

Deno.test("importSourceFor() waits for a missing Secret or ConfigMap, naming it", async () => {
  const endpoint = { [ANN_ENDPOINT]: "https://images.example/disk.img" };
  const cases: Array<[Record<string, string>, ImportLookups, string, RegExp]> = [
    [{ [ANN_SECRET]: "creds" }, lookups(), "SecretNotFound", /Secret default\/creds does not/],
    [
      { [ANN_SECRET]: "creds" },
      lookups({ secrets: { "default/creds": { accessKeyId: b64("u") } } }),
      "SecretInvalid",
      /must hold accessKeyId and secretKey/,
    ],
    [{ [ANN_CERT_CONFIG_MAP]: "cas" }, lookups(), "ConfigMapNotFound", /ConfigMap default\/cas/],
  ];
  for (const [annotations, l, reason, message] of cases) {
    const error = await sourceOf(claimWith({ ...endpoint, ...annotations }), l).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof ImportWait, reason);
    assert.equal(error.reason, reason);
    assert.match(error.message, message);
  }
});

Deno.test("importSourceFor() refuses archives and malformed headers for good", async () => {
  const endpoint = { [ANN_ENDPOINT]: "https://images.example/disk.tar" };
  const archive = await sourceOf(claimWith({ ...endpoint, [ANN_CONTENT_TYPE]: "archive" }))
    .then(() => undefined, (e) => e);
  assert.ok(archive instanceof ImportError && !archive.retryable);
  assert.equal(archive.message, "contentType archive is not supported by denovirt");
  const headers = await sourceOf(
    claimWith({ ...endpoint, [ANN_EXTRA_HEADERS]: '["Authorization Bearer sekrit"]' }),
  ).then(() => undefined, (e) => e);
  assert.ok(headers instanceof ImportError && !headers.retryable);
  assert.doesNotMatch(headers.message, /sekrit/);
});

Deno.test("extraHeadersOf() reads a JSON array of Name: value", () => {
  assert.deepEqual(extraHeadersOf(undefined), {});
  assert.deepEqual(extraHeadersOf('["A: 1", "B:2:3"]'), { A: "1", B: "2:3" });
  for (const bad of ["{}", "not json", '[": x"]', "[1]", '["No colon"]']) {
    assert.throws(() => extraHeadersOf(bad), ImportError, bad);
  }
});

Deno.test("importSourceFor() makes blank sources", async () => {
  assert.deepEqual(await sourceOf(claimWith({ [ANN_SOURCE]: "none" })), { kind: "blank" });
});

Deno.test("importSourceFor() clones from a ready claim on this node only", async () => {
  const golden = (annotations: Record<string, string>, node?: string) =>
    boundClaim({ name: "golden", uid: "gold", annotations, ...(node ? { node } : {}) });
  const clone = claimWith({ [ANN_CLONE_REQUEST]: "default/golden" });
  const endpoint = { [ANN_ENDPOINT]: "https://images.example/disk.img" };
  const ready = await sourceOf(
    clone,
    lookups({
      claims: { "default/golden": golden({ ...endpoint, [ANN_POD_PHASE]: "Succeeded" }) },
    }),
  );
  assert.deepEqual(ready, { kind: "clone", sourcePath: `${VOLUMES_DIR}/pvc-gold/disk.img` });
  const plain = await sourceOf(clone, lookups({ claims: { "default/golden": golden({}) } }));
  assert.deepEqual(plain, { kind: "clone", sourcePath: `${VOLUMES_DIR}/pvc-gold/disk.img` });
  // Without a namespace the clone request names a claim of the clone's own namespace.
  const sameNamespace = await sourceOf(
    claimWith({ [ANN_CLONE_REQUEST]: "golden" }),
    lookups({ claims: { "default/golden": golden({}) } }),
  );
  assert.equal(sameNamespace.kind, "clone");

  const waits: Array<
    [string, { pvc: PersistentVolumeClaim; pv: PersistentVolume | undefined } | undefined, string]
  > = [
    ["no source", undefined, "CloneSourceNotFound"],
    [
      "source not bound",
      { pvc: pendingClaim({ name: "golden" }), pv: undefined },
      "CloneSourceNotBound",
    ],
    [
      "source importing",
      golden({ ...endpoint, [ANN_POD_PHASE]: "Running" }),
      "CloneSourceNotReady",
    ],
  ];
  for (const [name, source, reason] of waits) {
    const l = lookups(source ? { claims: { "default/golden": source } } : {});
    const error = await sourceOf(clone, l).then(() => undefined, (e) => e);
    assert.ok(error instanceof ImportWait, name);
    assert.equal(error.reason, reason, name);
  }
  const elsewhere = await sourceOf(
    clone,
    lookups({ claims: { "default/golden": golden({}, "edge-2") } }),
  ).then(() => undefined, (e) => e);
  assert.ok(elsewhere instanceof ImportError && !elsewhere.retryable);
  assert.equal(
    elsewhere.message,
    "clone source default/golden is on node edge-2; denovirt-local clones only within a node",
  );
});

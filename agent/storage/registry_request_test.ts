import assert from "node:assert/strict";
import {
  ANN_CERT_CONFIG_MAP,
  ANN_CONTENT_TYPE,
  ANN_ENDPOINT,
  ANN_REGISTRY_IMAGE_ARCHITECTURE,
  ANN_REGISTRY_IMAGE_STREAM,
  ANN_REGISTRY_IMPORT_METHOD,
  ANN_SECRET,
  ANN_SOURCE,
} from "../../api/storage_annotations.ts";
import { ImportError } from "../import/types.ts";
import { type ImportLookups, importSourceFor, ImportWait } from "./import_request.ts";
import { boundClaim, NODE, VOLUMES_DIR } from "./testdata.ts";

const URL = "docker://registry.lan:5000/disks/fedora:40";

function lookups(opts: {
  secrets?: Record<string, Record<string, string>>;
  configMaps?: Record<string, Record<string, string>>;
  insecure?: string[];
} = {}): ImportLookups & { insecureReads: number } {
  const l = {
    insecureReads: 0,
    getSecret: (ns: string, name: string) => Promise.resolve(opts.secrets?.[`${ns}/${name}`]),
    getConfigMap: (ns: string, name: string) => Promise.resolve(opts.configMaps?.[`${ns}/${name}`]),
    insecureRegistries: () => {
      l.insecureReads++;
      return Promise.resolve(opts.insecure ?? []);
    },
    claim: () => ({ pvc: undefined, pv: undefined }),
  };
  return l;
}

const registryClaim = (annotations: Record<string, string> = {}) =>
  boundClaim({ annotations: { [ANN_SOURCE]: "registry", [ANN_ENDPOINT]: URL, ...annotations } })
    .pvc;
const failure = (annotations: Record<string, string>, l: ImportLookups = lookups()) =>
  importSourceFor(registryClaim(annotations), NODE, VOLUMES_DIR, l).then(
    () => undefined,
    (error) => error,
  );

Deno.test("importSourceFor() builds a registry source with credentials, CAs and the insecure list read now", async () => {
  const l = lookups({
    secrets: { "default/creds": { accessKeyId: btoa("puller"), secretKey: btoa("p@ss:word") } },
    configMaps: { "default/cas": { "b.crt": "PEM-B", "a.pem": "PEM-A" } },
    insecure: ["127.0.0.1:5000"],
  });
  const claim = registryClaim({
    [ANN_SECRET]: "creds",
    [ANN_CERT_CONFIG_MAP]: "cas",
    [ANN_REGISTRY_IMPORT_METHOD]: "node",
    [ANN_REGISTRY_IMAGE_ARCHITECTURE]: "amd64",
    [ANN_CONTENT_TYPE]: "kubevirt",
  });
  assert.deepEqual(await importSourceFor(claim, NODE, VOLUMES_DIR, l), {
    kind: "registry",
    url: URL,
    credentials: { username: "puller", password: "p@ss:word" },
    caCerts: ["PEM-A", "PEM-B"],
    insecureRegistries: ["127.0.0.1:5000"],
  });
  await importSourceFor(claim, NODE, VOLUMES_DIR, l);
  assert.equal(l.insecureReads, 2, "the insecure list is read at each import");
  assert.deepEqual(await importSourceFor(registryClaim(), NODE, VOLUMES_DIR, lookups()), {
    kind: "registry",
    url: URL,
    caCerts: [],
    insecureRegistries: [],
  });
});

Deno.test("importSourceFor() waits for a registry source's missing Secret or ConfigMap", async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ [ANN_SECRET]: "creds" }, "SecretNotFound"],
    [{ [ANN_CERT_CONFIG_MAP]: "cas" }, "ConfigMapNotFound"],
  ];
  for (const [annotations, reason] of cases) {
    const error = await failure(annotations);
    assert.ok(error instanceof ImportWait, reason);
    assert.equal(error.reason, reason);
  }
});

Deno.test("importSourceFor() refuses image streams, other architectures, archives and no URL for good", async () => {
  const cases: Array<[Record<string, string>, string, string]> = [
    [
      { [ANN_REGISTRY_IMAGE_STREAM]: "true", [ANN_ENDPOINT]: "fedora" },
      "UnsupportedSource",
      "image streams are not supported by denovirt: give the image's docker:// URL",
    ],
    [
      { [ANN_REGISTRY_IMAGE_ARCHITECTURE]: "arm64" },
      "UnsupportedPlatform",
      "images for arm64 are not supported by denovirt: amd64 images only",
    ],
    [
      { [ANN_CONTENT_TYPE]: "archive" },
      "UnsupportedContentType",
      "contentType archive is not supported by denovirt",
    ],
    [
      { [ANN_ENDPOINT]: "" },
      "InvalidURL",
      "cdi.kubevirt.io/storage.import.endpoint must name the docker:// URL of the image to import",
    ],
  ];
  for (const [annotations, reason, message] of cases) {
    const error = await failure(annotations);
    assert.ok(error instanceof ImportError && !error.retryable, reason);
    assert.equal(error.reason, reason);
    assert.equal(error.message, message);
  }
});

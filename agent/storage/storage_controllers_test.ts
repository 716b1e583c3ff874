/** The node's storage controllers over an in-memory API: provisioning, capacity, imports, claims, deletion. */
import assert from "node:assert/strict";
import type { NodeObject, PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_ENDPOINT,
  ANN_NODE_STORAGE_ALLOCATED,
  ANN_NODE_STORAGE_CAPACITY,
  ANN_POD_PHASE,
  PROVISIONED_BY,
  SELECTED_NODE,
} from "../../api/storage_annotations.ts";
import {
  nodes,
  persistentVolumeClaims,
  persistentVolumes,
  storageClasses,
} from "../../lib/kube/resources.ts";
import { FakeClock } from "../../lib/clock.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import type { ImportRequest } from "../import/types.ts";
import { nodeController } from "../node/node_controller.ts";
import { ImportJobs } from "./import_jobs.ts";
import { importsController } from "./imports.ts";
import { NodeCapacity } from "./node_capacity.ts";
import { provisionerController } from "./provisioner.ts";
import { reclaimerController } from "./reclaimer.ts";
import { resolveClaimDir } from "./resolver.ts";
import { runControllers, TEST_HOST } from "../test_harness.ts";
import { localClass, NODE, pendingClaim } from "./testdata.ts";

const GI = 1024 ** 3;

Deno.test("the storage controllers provision, publish capacity, import, resolve and delete", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "denovirt-local-" });
  const volumesDir = `${dataDir}/volumes`;
  const api = new FakeApi();
  api.put(nodes, { metadata: { name: NODE } });
  api.put(storageClasses, localClass);
  const imports: ImportRequest[] = [];
  const capacity = new NodeCapacity({ node: NODE, dataDir, capacityBytes: BigInt(10 * GI) });
  const jobs = new ImportJobs();
  const h = runControllers(api, new FakeClock(Date.now()), [
    nodeController({
      facts: { name: NODE, host: TEST_HOST, address: "127.0.0.1", port: 1, taints: [] },
      register: false,
      capacity,
    }),
    provisionerController({ node: NODE, volumesDir, capacity }),
    reclaimerController({ node: NODE, volumesDir, imports: jobs }),
    importsController({
      node: NODE,
      volumesDir,
      jobs,
      concurrency: 2,
      async run(request) {
        imports.push(request);
        await Deno.writeTextFile(`${request.targetDir}/disk.img`, "image");
        return { format: "raw", compression: "none", transferredBytes: 5, virtualSizeBytes: 5 };
      },
    }),
  ]);
  const resolve = (name: string) =>
    resolveClaimDir(h.cache, { node: NODE, volumesDir }, "default", name);
  try {
    const nodeAnnotations = () => api.find<NodeObject>("nodes", NODE)?.metadata?.annotations ?? {};
    await h.until("capacity", () => nodeAnnotations()[ANN_NODE_STORAGE_CAPACITY]);
    assert.equal(nodeAnnotations()[ANN_NODE_STORAGE_CAPACITY], String(10 * GI));
    assert.equal(nodeAnnotations()[ANN_NODE_STORAGE_ALLOCATED], "0");

    // A claim selected for this node gets its PV and directory.
    const claim = api.put<PersistentVolumeClaim>(
      persistentVolumeClaims,
      pendingClaim({ name: "plain", uid: "u-plain" }),
    );
    const pv = await h.until(
      "the PV",
      () => api.find<PersistentVolume>("persistentvolumes", "pvc-u-plain"),
    );
    const dir = `${volumesDir}/pvc-u-plain`;
    assert.equal(pv.spec?.local?.path, dir);
    assert.equal(pv.metadata?.annotations?.[PROVISIONED_BY], "denovirt.io/local");
    assert.ok((await Deno.stat(dir)).isDirectory);
    await h.until("the Provisioning events", () => h.events.length >= 2);
    assert.deepEqual(h.events, [
      'Normal Provisioning plain: External provisioner is provisioning volume for claim "default/plain"',
      "Normal ProvisioningSucceeded plain: Successfully provisioned volume pvc-u-plain",
    ]);
    await h.until("allocated", () => nodeAnnotations()[ANN_NODE_STORAGE_ALLOCATED] === String(GI));

    // Not bound yet: a VMI waits; bound (as the PV controller does): an empty disk.img appears.
    await assert.rejects(() => resolve("plain"), /is not bound yet/);
    api.put(persistentVolumes, { ...pv, status: { phase: "Bound" } });
    api.put<PersistentVolumeClaim>(persistentVolumeClaims, {
      ...claim,
      spec: { ...claim.spec, volumeName: "pvc-u-plain" },
      status: { phase: "Bound" },
    });
    await h.until(
      "the bound claim in the cache",
      () =>
        h.cache<PersistentVolumeClaim>(persistentVolumeClaims).get("default/plain")?.status
          ?.phase ===
          "Bound",
    );
    assert.equal(await resolve("plain"), dir);
    assert.equal((await Deno.stat(`${dir}/disk.img`)).size, GI);

    // A claim that does not fit is handed back to the scheduler.
    api.put(persistentVolumeClaims, pendingClaim({ name: "huge", uid: "u-huge", storage: "20Gi" }));
    await h.until("the selected node removed", () => {
      const huge = api.find<PersistentVolumeClaim>("persistentvolumeclaims", "default/huge");
      return huge && huge.metadata?.annotations?.[SELECTED_NODE] === undefined;
    });
    assert.ok(h.events.some((e) => e.startsWith("Warning ProvisioningFailed huge: Not enough")));
    assert.equal(api.find("persistentvolumes", "pvc-u-huge"), undefined);

    // An import runs in the volume's directory once the claim is bound.
    const imported = api.put<PersistentVolumeClaim>(
      persistentVolumeClaims,
      pendingClaim({
        name: "imported",
        uid: "u-imp",
        annotations: { [ANN_ENDPOINT]: "https://x/y" },
      }),
    );
    const importPv = await h.until(
      "the imported PV",
      () => api.find<PersistentVolume>("persistentvolumes", "pvc-u-imp"),
    );
    api.put(persistentVolumes, { ...importPv, status: { phase: "Bound" } });
    api.put<PersistentVolumeClaim>(persistentVolumeClaims, {
      ...imported,
      spec: { ...imported.spec, volumeName: "pvc-u-imp" },
      status: { phase: "Bound" },
    });
    await h.until(
      "the import to succeed",
      () =>
        h.cache<PersistentVolumeClaim>(persistentVolumeClaims).get("default/imported")?.metadata
          ?.annotations?.[ANN_POD_PHASE] === "Succeeded",
    );
    assert.equal(imports.length, 1);
    assert.equal(imports[0]?.targetDir, `${volumesDir}/pvc-u-imp`);
    assert.equal(await resolve("imported"), `${volumesDir}/pvc-u-imp`);

    // Released: the directory and the PV go, the allocation shrinks.
    api.put(persistentVolumes, {
      ...api.find<PersistentVolume>("persistentvolumes", "pvc-u-plain")!,
      status: { phase: "Released" },
    });
    await h.until("the PV deleted", () => !api.find("persistentvolumes", "pvc-u-plain"));
    assert.equal(await Deno.stat(dir).catch(() => undefined), undefined);
    await h.until("allocated", () => nodeAnnotations()[ANN_NODE_STORAGE_ALLOCATED] === String(GI));
  } finally {
    await h.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});

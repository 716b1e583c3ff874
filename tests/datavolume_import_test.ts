/**
 * Disk import onto node-local storage, the whole way: a VM's dataVolumeTemplates become
 * DataVolumes and claims on the denovirt-local classes, the node agent provisions and imports
 * them from a local HTTP server (qcow2, raw.gz), and the guest boots from the imported disk. A
 * PVC annotated as CDI users annotate them is imported too; bad imports end Failed with nothing
 * usable behind; an agent killed mid-import finishes it after it restarts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ANN_ENDPOINT, ANN_POD_PHASE, LOCAL_IMMEDIATE_STORAGE_CLASS } from "../api/mod.ts";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import {
  dataVolumes,
  events,
  persistentVolumeClaims,
  persistentVolumes,
  secrets,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { runChecked } from "../lib/exec.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import {
  type AgentDaemon,
  startAgentDaemon,
  TEST_TAINT_KEY,
  waitForSerial,
} from "./support/agent.ts";
import { cleanUp } from "./support/host.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";
import { serveImages } from "./support/image_server.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack = await testStack();
const fixture = await ensureGuestFixture();

type Condition = { type: string; status: string; reason?: string; message?: string };
type DataVolume = KubeObject & {
  status?: {
    phase?: string;
    progress?: string;
    claimName?: string;
    restartCount?: number;
    conditions?: Condition[];
  };
};
type Claim = KubeObject & { spec?: { volumeName?: string }; status?: { phase?: string } };
type Volume = KubeObject & {
  spec?: {
    local?: { path: string };
    nodeAffinity?: {
      required?: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> };
    };
  };
};

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The test's images: the fixture disk as qcow2 and raw.gz, and a qcow2 over a host file. */
async function makeImages(dir: string) {
  const rawGz = join(dir, "disk.raw.gz");
  await runChecked("sh", ["-c", 'gzip -1 -c "$0" > "$1"', fixture.diskRaw, rawGz]);
  const withBacking = join(dir, "backed.qcow2");
  await runChecked("qemu-img", [
    "create",
    "-q",
    "-f",
    "qcow2",
    "-F",
    "raw",
    "-b",
    "/etc/hostname",
    withBacking,
    "64M",
  ]);
  return { qcow2: fixture.diskQcow2, rawGz, withBacking, raw: fixture.diskRaw };
}

/** A VM on the test's node booting from a dataVolumeTemplate that imports `url`. */
function vmWithImport(name: string, node: string, url: string, checksum?: string) {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name },
    spec: {
      runStrategy: "Always",
      dataVolumeTemplates: [{
        metadata: { name: `${name}-root` },
        spec: {
          source: { http: { url, ...(checksum ? { checksum } : {}) } },
          storage: { resources: { requests: { storage: "64Mi" } } },
        },
      }],
      template: {
        spec: {
          nodeSelector: { "kubernetes.io/hostname": node },
          tolerations: [{ key: TEST_TAINT_KEY, operator: "Exists" }],
          domain: {
            resources: { requests: { memory: "96Mi" } },
            devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
          },
          volumes: [{ name: "root", dataVolume: { name: `${name}-root` } }],
          terminationGracePeriodSeconds: 2,
        },
      },
    },
  };
}

/** A DataVolume on the Immediate class: it is imported without a VM. */
function dataVolume(name: string, url: string, checksum?: string) {
  return {
    apiVersion: "cdi.kubevirt.io/v1beta1",
    kind: "DataVolume",
    metadata: { name },
    spec: {
      source: { http: { url, ...(checksum ? { checksum } : {}) } },
      storage: {
        storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS,
        resources: { requests: { storage: "64Mi" } },
      },
    },
  };
}

function waitForDataVolume(
  rest: RestClient,
  namespace: string,
  name: string,
  phase: "Succeeded" | "Failed" | "ImportInProgress",
  timeoutMs = 180_000,
): Promise<DataVolume> {
  return eventually(`DataVolume ${namespace}/${name} to be ${phase}`, async () => {
    const dv = await rest.get<DataVolume>(dataVolumes, { namespace, name });
    const now = dv.status?.phase;
    if (now === phase) return dv;
    if ((now === "Failed" || now === "Succeeded") && now !== phase) {
      const running = dv.status?.conditions?.find((c) => c.type === "Running");
      throw new Error(`DataVolume ${name} is ${now}: ${running?.message ?? "no message"}`);
    }
    return undefined;
  }, timeoutMs);
}

/** The directory behind a bound claim, and the node its PV is on. */
async function volumeOf(rest: RestClient, namespace: string, claim: string) {
  const pvc = await rest.get<Claim>(persistentVolumeClaims, { namespace, name: claim });
  assert.equal(pvc.status?.phase, "Bound", `claim ${claim} is bound`);
  const pv = await rest.get<Volume>(persistentVolumes, { name: pvc.spec!.volumeName! });
  const node = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions[0]
    ?.values[0];
  return { dir: pv.spec!.local!.path, node };
}

/** The imported image holds the fixture's bytes, then zeros up to the claim's size. */
async function assertHoldsFixture(dir: string, size: number) {
  const image = await Deno.readFile(join(dir, "disk.img"));
  const raw = await Deno.readFile(fixture.diskRaw);
  assert.equal(image.length, size, "the image is resized to the claim's size");
  assert.equal(sha256(image.subarray(0, raw.length)), sha256(raw), "the fixture's bytes");
  assert.ok(image.subarray(raw.length).every((b) => b === 0), "zeros after the image");
}

Deno.test({
  name: "DataVolume import onto node-local storage: boot from imported disks, CDI annotations, " +
    "failures, and an agent killed mid-import",
  ignore,
  fn: async (t) => {
    const rest = adminRest(stack);
    const tmp = await Deno.makeTempDir({ prefix: "denovirt-import-test-" });
    try {
      const images = await makeImages(tmp);
      const password = `pw-${crypto.randomUUID()}`;
      const qcow2Sum = `sha256:${sha256(await Deno.readFile(images.qcow2))}`;
      const server = serveImages({
        "/disk.qcow2": { file: images.qcow2 },
        "/disk.raw.gz": { file: images.rawGz },
        "/backed.qcow2": { file: images.withBacking },
        "/held/disk.raw": { file: images.raw, holdAfterBytes: 8 << 20 },
        "/private/disk.raw.gz": { file: images.rawGz, basicAuth: { user: "importer", password } },
      });
      let agent: AgentDaemon | undefined;
      try {
        await withNamespace(stack.admin, "import", async (ns) => {
          try {
            // The most free storage of all nodes: Immediate claims of this test come here.
            agent = await startAgentDaemon(stack, { args: ["--local-storage-capacity=100Ti"] });
            const node = agent.node;
            const create = (resource: typeof virtualMachines, body: object) =>
              rest.create(
                resource,
                {
                  ...body,
                  metadata: { ...(body as KubeObject).metadata, namespace: ns },
                } as KubeObject,
              );

            await t.step(
              "a VM's dataVolumeTemplates import qcow2 and raw.gz, and the VMs boot",
              async () => {
                await create(
                  virtualMachines,
                  vmWithImport("q", node, `${server.base}/disk.qcow2`, qcow2Sum),
                );
                await create(
                  virtualMachines,
                  vmWithImport("g", node, `${server.base}/disk.raw.gz`),
                );
                for (const vm of ["q", "g"]) {
                  const dv = await waitForDataVolume(rest, ns, `${vm}-root`, "Succeeded");
                  assert.equal(dv.status?.progress, "100.0%");
                  assert.equal(dv.status?.claimName, `${vm}-root`);
                  assert.equal(dv.metadata?.ownerReferences?.[0]?.kind, "VirtualMachine");
                  const ready = dv.status?.conditions?.find((c) => c.type === "Ready");
                  assert.equal(ready?.status, "True");
                  const volume = await volumeOf(rest, ns, `${vm}-root`);
                  assert.equal(
                    volume.node,
                    node,
                    "the claim is on the node the VM was scheduled to",
                  );
                  await assertHoldsFixture(volume.dir, 64 << 20);
                  const vmi = await waitForPhase(rest, ns, vm, "Running", 180_000);
                  const dvsReady = vmi.status?.conditions?.find((c) =>
                    c.type === "DataVolumesReady"
                  );
                  assert.equal(`${dvsReady?.status} ${dvsReady?.reason}`, "True AllDVsReady");
                  await waitForSerial(agent!, ns, vm, fixture.marker);
                }
              },
            );

            await t.step("a PVC with CDI's import-endpoint annotation is imported", async () => {
              await rest.create(persistentVolumeClaims, {
                apiVersion: "v1",
                kind: "PersistentVolumeClaim",
                metadata: {
                  name: "annotated",
                  namespace: ns,
                  annotations: { [ANN_ENDPOINT]: `${server.base}/disk.raw.gz` },
                },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS,
                  resources: { requests: { storage: "64Mi" } },
                },
              } as KubeObject);
              await eventually("the annotated PVC to be imported", async () => {
                const pvc = await rest.get<Claim>(persistentVolumeClaims, {
                  namespace: ns,
                  name: "annotated",
                });
                const phase = pvc.metadata?.annotations?.[ANN_POD_PHASE];
                if (phase === "Failed") throw new Error("the import failed");
                return phase === "Succeeded" ? pvc : undefined;
              }, 180_000);
              await assertHoldsFixture((await volumeOf(rest, ns, "annotated")).dir, 64 << 20);
            });

            await t.step(
              "basic auth from a Secret, a blank disk, and a same-node clone",
              async () => {
                await rest.create(secrets, {
                  apiVersion: "v1",
                  kind: "Secret",
                  metadata: { name: "image-credentials", namespace: ns },
                  stringData: { accessKeyId: "importer", secretKey: password },
                } as KubeObject);
                const privateDv = dataVolume("private", `${server.base}/private/disk.raw.gz`);
                await create(dataVolumes, {
                  ...privateDv,
                  spec: {
                    ...privateDv.spec,
                    source: {
                      http: { ...privateDv.spec.source.http, secretRef: "image-credentials" },
                    },
                  },
                });
                await create(dataVolumes, {
                  apiVersion: "cdi.kubevirt.io/v1beta1",
                  kind: "DataVolume",
                  metadata: { name: "empty" },
                  spec: {
                    source: { blank: {} },
                    storage: {
                      storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS,
                      resources: { requests: { storage: "16Mi" } },
                    },
                  },
                });
                await create(dataVolumes, {
                  apiVersion: "cdi.kubevirt.io/v1beta1",
                  kind: "DataVolume",
                  metadata: { name: "copy" },
                  spec: {
                    source: { pvc: { namespace: ns, name: "annotated" } },
                    storage: { resources: { requests: { storage: "64Mi" } } },
                  },
                });
                await waitForDataVolume(rest, ns, "private", "Succeeded");
                await assertHoldsFixture((await volumeOf(rest, ns, "private")).dir, 64 << 20);
                await waitForDataVolume(rest, ns, "empty", "Succeeded");
                const empty = await Deno.readFile(
                  join((await volumeOf(rest, ns, "empty")).dir, "disk.img"),
                );
                assert.equal(empty.length, 16 << 20);
                assert.ok(empty.every((b) => b === 0), "a blank disk is zeros");
                // The clone's claim is WaitForFirstConsumer, but pinned to its source's node.
                await waitForDataVolume(rest, ns, "copy", "Succeeded");
                const copy = await volumeOf(rest, ns, "copy");
                assert.equal(copy.node, (await volumeOf(rest, ns, "annotated")).node);
                await assertHoldsFixture(copy.dir, 64 << 20);
                // The password shows up nowhere users look.
                const shown = JSON.stringify([
                  await rest.list(dataVolumes, { namespace: ns }),
                  await rest.list(persistentVolumeClaims, { namespace: ns }),
                  await rest.list(events, { namespace: ns }),
                ]);
                assert.ok(!shown.includes(password), "no credentials in status, claims or events");
                assert.ok(!shown.includes(btoa(`importer:${password}`)));
                assert.ok(!(await agent!.log()).includes(password), "none in the agent's log");
              },
            );

            await t.step(
              "a bad URL, a wrong checksum and a qcow2 with a backing file end Failed",
              async () => {
                const zeros = `sha256:${"0".repeat(64)}`;
                const cases = [
                  { name: "missing", url: `${server.base}/no-such-image.qcow2`, expect: /404/ },
                  {
                    name: "checksum",
                    url: `${server.base}/disk.qcow2`,
                    sum: zeros,
                    expect: /checksum/i,
                  },
                  { name: "backed", url: `${server.base}/backed.qcow2`, expect: /backing/i },
                ];
                for (const c of cases) await create(dataVolumes, dataVolume(c.name, c.url, c.sum));
                for (const c of cases) {
                  const dv = await waitForDataVolume(rest, ns, c.name, "Failed");
                  const running = dv.status?.conditions?.find((x) => x.type === "Running");
                  assert.match(running?.message ?? "", c.expect, `${c.name}: ${running?.message}`);
                  assert.notEqual(
                    dv.status?.conditions?.find((x) => x.type === "Ready")?.status,
                    "True",
                  );
                  const { dir } = await volumeOf(rest, ns, c.name);
                  const left = await Deno.stat(join(dir, "disk.img")).catch(() => undefined);
                  assert.equal(left, undefined, `${c.name}: no disk.img is left behind`);
                }
                assert.equal(server.requests("/no-such-image.qcow2") >= 1, true);
              },
            );

            await t.step(
              "an agent killed mid-import finishes the import after it restarts",
              async () => {
                await create(
                  virtualMachines,
                  vmWithImport("k", node, `${server.base}/held/disk.raw`),
                );
                await server.held("/held/disk.raw");
                await waitForDataVolume(rest, ns, "k-root", "ImportInProgress");
                // 8 MiB of the 48 MiB image are in: CDI's progress, and the VM waits for its disk.
                const progress = await eventually("progress of the held import", async () => {
                  const dv = await rest.get<DataVolume>(dataVolumes, {
                    namespace: ns,
                    name: "k-root",
                  });
                  const p = dv.status?.progress ?? "";
                  return /^\d+\.\d\d%$/.test(p) && parseFloat(p) > 0 ? p : undefined;
                });
                assert.ok(parseFloat(progress) < 100, progress);
                await eventually("VM k to print Provisioning", async () => {
                  const vm = await rest.get<KubeObject & { status?: { printableStatus?: string } }>(
                    virtualMachines,
                    { namespace: ns, name: "k" },
                  );
                  return vm.status?.printableStatus === "Provisioning" ? true : undefined;
                });
                await agent!.kill();
                const { dir } = await volumeOf(rest, ns, "k-root");
                const half = await Deno.stat(join(dir, "disk.img")).catch(() => undefined);
                assert.equal(half, undefined, "a half-written image is never at disk.img");
                server.release("/held/disk.raw");
                await agent!.restart();
                await waitForDataVolume(rest, ns, "k-root", "Succeeded");
                assert.ok(server.requests("/held/disk.raw") >= 2, "the import started over");
                await assertHoldsFixture(dir, 64 << 20);
                await waitForPhase(rest, ns, "k", "Running", 180_000);
                await waitForSerial(agent!, ns, "k", fixture.marker);
              },
            );

            for (const vm of ["q", "g", "k"]) {
              await rest.delete(virtualMachines, { namespace: ns, name: vm }).catch(() => {});
            }
            for (const vm of ["q", "g", "k"]) {
              await eventually(
                `VMI ${vm} to go`,
                async () => (await getVmi(rest, ns, vm)) ? undefined : true,
                60_000,
              );
            }
          } catch (error) {
            if (agent) console.error(`agent log:\n${(await agent.log()).slice(-6000)}`);
            throw error;
          } finally {
            await cleanUp(stack, agent, ns);
          }
        });
      } finally {
        await server.close();
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
      rest.close();
    }
  },
});

/**
 * DataVolumes from OCI registries (`source.registry`, `docker://` URLs), the whole way: real
 * registries (Debian's docker-registry) holding the guest fixture as a containerDisk image, the
 * node agent pulling it onto node-local storage, and the guest booting from it. A plain-HTTP
 * registry is used only once denovirt-config lists it as insecure; a TLS registry is trusted
 * through a certConfigMap and reached with a Secret's credentials; a wrong password or a missing
 * image ends Failed; CDI's bind.immediate annotation imports a golden image without any VM.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  ANN_IMMEDIATE_BINDING,
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  INSECURE_REGISTRIES_KEY,
  LOCAL_IMMEDIATE_STORAGE_CLASS,
  LOCAL_STORAGE_CLASS,
} from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import {
  configMaps,
  dataVolumes,
  events,
  persistentVolumeClaims,
  persistentVolumes,
  secrets,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import {
  type AgentDaemon,
  startAgentDaemon,
  TEST_TAINT_KEY,
  waitForSerial,
} from "./support/agent.ts";
import { cleanUp } from "./support/host.ts";
import { startTestRegistry, type TestRegistry } from "./support/registry.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";

const ignore = !(["controllers", "webhooks", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack = await testStack();
const fixture = await ensureGuestFixture();
const SIZE = "64Mi";

type Condition = { type: string; status: string; reason?: string; message?: string };
type DataVolume = KubeObject & {
  status?: { phase?: string; restartCount?: number; conditions?: Condition[] };
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
type Registry = {
  url: string;
  secretRef?: string;
  certConfigMap?: string;
};

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const running = (dv: DataVolume) => dv.status?.conditions?.find((c) => c.type === "Running");

function dataVolume(
  name: string,
  registry: Registry,
  opts: { storageClassName: string; annotations?: Record<string, string> },
) {
  return {
    apiVersion: "cdi.kubevirt.io/v1beta1",
    kind: "DataVolume",
    metadata: { name, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      source: { registry },
      storage: {
        storageClassName: opts.storageClassName,
        resources: { requests: { storage: SIZE } },
      },
    },
  };
}

/** A VM on the test's node booting from a dataVolumeTemplate that pulls `registry`. */
function vmWithRegistryDisk(name: string, node: string, registry: Registry) {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name },
    spec: {
      runStrategy: "Always",
      dataVolumeTemplates: [{
        metadata: { name: `${name}-root` },
        spec: {
          source: { registry },
          storage: { resources: { requests: { storage: SIZE } } },
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

function waitForDataVolume(
  rest: RestClient,
  namespace: string,
  name: string,
  phase: "Succeeded" | "Failed",
  timeoutMs = 150_000,
): Promise<DataVolume> {
  return eventually(`DataVolume ${namespace}/${name} to be ${phase}`, async () => {
    const dv = await rest.get<DataVolume>(dataVolumes, { namespace, name });
    const now = dv.status?.phase;
    if (now === phase) return dv;
    if (now === "Failed" || now === "Succeeded") {
      throw new Error(`DataVolume ${name} is ${now}: ${running(dv)?.message ?? "no message"}`);
    }
    return undefined;
  }, timeoutMs);
}

/** The bound claim's volume: its directory and node. */
async function volumeOf(rest: RestClient, namespace: string, claim: string) {
  const pvc = await rest.get<Claim>(persistentVolumeClaims, { namespace, name: claim });
  assert.equal(pvc.status?.phase, "Bound", `claim ${claim} is bound`);
  const pv = await rest.get<Volume>(persistentVolumes, { name: pvc.spec!.volumeName! });
  const node = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions[0]
    ?.values[0];
  return { dir: pv.spec!.local!.path, node };
}

/** The imported image holds the fixture's bytes, then zeros up to the claim's size. */
async function assertHoldsFixture(dir: string) {
  const image = await Deno.readFile(join(dir, "disk.img"));
  const raw = await Deno.readFile(fixture.diskRaw);
  assert.equal(image.length, 64 << 20, "the image is resized to the claim's size");
  assert.equal(sha256(image.subarray(0, raw.length)), sha256(raw), "the fixture's bytes");
  assert.ok(image.subarray(raw.length).every((b) => b === 0), "zeros after the image");
}

/** Runs `fn` with `host` added to denovirt-config's insecureRegistries, restored afterwards. */
async function withInsecureRegistry<T>(
  rest: RestClient,
  host: string,
  fn: () => Promise<T>,
): Promise<T> {
  const ref = { namespace: DENOVIRT_NAMESPACE, name: DENOVIRT_CONFIG_MAP };
  const config = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, ref);
  const before = config.data?.[INSECURE_REGISTRIES_KEY];
  const write = (value: string | null) =>
    rest.patch(configMaps, ref, { data: { [INSECURE_REGISTRIES_KEY]: value } }, {
      type: "merge",
    });
  await write(`${before ?? ""}\n${host}\n`);
  try {
    return await fn();
  } finally {
    await write(before ?? null);
  }
}

/** Both test registries, closed afterwards whatever happens. */
async function withRegistries<T>(
  fn: (plain: TestRegistry, tls: TestRegistry) => Promise<T>,
): Promise<T> {
  const started = await Promise.allSettled([startTestRegistry("plain"), startTestRegistry("tls")]);
  try {
    const [plain, tls] = started.map((s) => {
      if (s.status === "rejected") throw s.reason;
      return s.value;
    });
    return await fn(plain!, tls!);
  } finally {
    for (const s of started) if (s.status === "fulfilled") await s.value.close();
  }
}

Deno.test({
  name: "DataVolumes from registries: insecure registries, TLS with credentials, failures, " +
    "a VM booting from a pulled disk, and bind.immediate golden images",
  ignore,
  fn: (t) =>
    withRegistries(async (plain, tls) => {
      const rest = adminRest(stack);
      let agent: AgentDaemon | undefined;
      try {
        await withNamespace(stack.admin, "registry-dv", async (ns) => {
          try {
            // The most free storage of all nodes: claims placed by denovirt come here.
            agent = await startAgentDaemon(stack, { args: ["--local-storage-capacity=100Ti"] });
            const node = agent.node;
            const create = (resource: typeof dataVolumes, body: object) =>
              rest.create(resource, {
                ...body,
                metadata: { ...(body as KubeObject).metadata, namespace: ns },
              } as KubeObject);
            const { username, password } = tls.credentials!;
            const wrong = `wrong-${crypto.randomUUID()}`;
            const secret = (name: string, secretKey: string) =>
              create(secrets, {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name },
                stringData: { accessKeyId: username, secretKey },
              });
            await secret("registry-credentials", password);
            await secret("wrong-credentials", wrong);
            await create(configMaps, {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "registry-ca" },
              data: { "ca.crt": tls.caPem! },
            });
            const trusted = { secretRef: "registry-credentials", certConfigMap: "registry-ca" };

            await t.step(
              "bind.immediate on denovirt-local: a plain-HTTP registry is used once listed",
              async () => {
                const url = `docker://${plain.host}/denovirt/fixture:raw`;
                await create(
                  dataVolumes,
                  dataVolume("golden", { url }, {
                    storageClassName: LOCAL_STORAGE_CLASS,
                    annotations: { [ANN_IMMEDIATE_BINDING]: "true" },
                  }),
                );
                // No VM uses it: the claim is placed, bound and tried at once.
                const refused = await eventually(
                  "the unlisted registry to be refused",
                  async () => {
                    const dv = await rest.get<DataVolume>(dataVolumes, {
                      namespace: ns,
                      name: "golden",
                    });
                    return running(dv)?.message?.includes(INSECURE_REGISTRIES_KEY) ? dv : undefined;
                  },
                  90_000,
                );
                assert.notEqual(refused.status?.phase, "WaitForFirstConsumer");
                assert.notEqual(refused.status?.phase, "Failed", "retried: the list may change");
                assert.match(
                  running(refused)!.message!,
                  new RegExp(plain.host.replaceAll(".", "\\.")),
                );
                await withInsecureRegistry(rest, plain.host, async () => {
                  await waitForDataVolume(rest, ns, "golden", "Succeeded");
                });
                const volume = await volumeOf(rest, ns, "golden");
                assert.equal(volume.node, node, "placed on the node with the most free storage");
                await assertHoldsFixture(volume.dir);
              },
            );

            await t.step(
              "TLS with a certConfigMap and credentials: a VM boots from the pulled qcow2",
              async () => {
                await create(
                  virtualMachines,
                  vmWithRegistryDisk("vm", node, {
                    url: `docker://${tls.host}/denovirt/fixture:qcow2`,
                    ...trusted,
                  }),
                );
                await waitForDataVolume(rest, ns, "vm-root", "Succeeded");
                const volume = await volumeOf(rest, ns, "vm-root");
                assert.equal(volume.node, node);
                await assertHoldsFixture(volume.dir);
                await waitForPhase(rest, ns, "vm", "Running", 180_000);
                await waitForSerial(agent!, ns, "vm", fixture.marker);
              },
            );

            await t.step(
              "a wrong password and a missing image end Failed, naming why",
              async () => {
                const immediate = { storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS };
                const image = `docker://${tls.host}/denovirt/fixture:latest`;
                const missing = `docker://${tls.host}/denovirt/no-such-image:1`;
                await create(
                  dataVolumes,
                  dataVolume(
                    "wrong",
                    { ...trusted, url: image, secretRef: "wrong-credentials" },
                    immediate,
                  ),
                );
                await create(
                  dataVolumes,
                  dataVolume("missing", { ...trusted, url: missing }, immediate),
                );
                const cases: Array<[string, RegExp]> = [
                  ["wrong", /HTTP 401.*credentials were refused/],
                  ["missing", /no-such-image:1: .*HTTP 404/],
                ];
                for (const [name, why] of cases) {
                  const dv = await waitForDataVolume(rest, ns, name, "Failed");
                  assert.match(running(dv)?.message ?? "", why, name);
                  const { dir } = await volumeOf(rest, ns, name);
                  const left = await Deno.stat(join(dir, "disk.img")).catch(() => undefined);
                  assert.equal(left, undefined, `${name}: no disk.img is left behind`);
                }
                const shown = JSON.stringify([
                  await rest.list(dataVolumes, { namespace: ns }),
                  await rest.list(persistentVolumeClaims, { namespace: ns }),
                  await rest.list(events, { namespace: ns }),
                ]);
                for (const secretText of [password, wrong]) {
                  assert.ok(
                    !shown.includes(secretText),
                    "no credentials in status, claims or events",
                  );
                  assert.ok(!shown.includes(btoa(`${username}:${secretText}`)));
                  assert.ok(!(await agent!.log()).includes(secretText), "none in the agent's log");
                }
              },
            );

            await rest.delete(virtualMachines, { namespace: ns, name: "vm" }).catch(() => {});
            await eventually(
              "VMI vm to go",
              async () => (await getVmi(rest, ns, "vm")) ? undefined : true,
              60_000,
            );
          } catch (error) {
            if (agent) console.error(`agent log:\n${(await agent.log()).slice(-6000)}`);
            throw error;
          } finally {
            await cleanUp(stack, agent, ns);
          }
        });
      } finally {
        rest.close();
      }
    }),
});

/**
 * `ephemeral` volumes, which the webhooks admit because the agent runs them: two VMIs boot from
 * one imported golden claim, each on a qcow2 overlay of its own, and the claim is left as it was.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ANN_NODE_STORAGE_CAPACITY, LOCAL_IMMEDIATE_STORAGE_CLASS } from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import {
  dataVolumes,
  nodes,
  persistentVolumeClaims,
  persistentVolumes,
  pods,
  virtualMachineInstances,
} from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { type AgentDaemon, startAgentDaemon, waitForSerial } from "./support/agent.ts";
import { cleanUp } from "./support/host.ts";
import { serveImages } from "./support/image_server.ts";
import { adminRest, createScheduledVmi, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
const fixture = await ensureGuestFixture();

type Claim = KubeObject & { spec?: { volumeName?: string } };
type Volume = KubeObject & { spec?: { local?: { path: string } } };
type DataVolume = KubeObject & { status?: { phase?: string } };

Deno.test("two VMIs boot from one golden claim through ephemeral volumes, leaving it untouched", async () => {
  const rest = adminRest(stack);
  const server = serveImages({ "/disk.qcow2": { file: fixture.diskQcow2 } });
  let agent: AgentDaemon | undefined;
  try {
    await withNamespace(stack.admin, "ephemeral", async (ns) => {
      try {
        // The most free storage of all nodes: the Immediate claim comes here.
        agent = await startAgentDaemon(stack, { args: ["--local-storage-capacity=100Ti"] });
        const node = agent.node;
        await eventually("the node to publish its local storage", async () => {
          const object = await rest.get<KubeObject>(nodes, { name: node });
          return object.metadata?.annotations?.[ANN_NODE_STORAGE_CAPACITY];
        });
        await rest.create(dataVolumes, {
          apiVersion: "cdi.kubevirt.io/v1beta1",
          kind: "DataVolume",
          metadata: { name: "golden", namespace: ns },
          spec: {
            source: { http: { url: `${server.base}/disk.qcow2` } },
            storage: {
              storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS,
              resources: { requests: { storage: "64Mi" } },
            },
          },
        } as KubeObject);
        await eventually("the golden DataVolume to be imported", async () => {
          const dv = await rest.get<DataVolume>(dataVolumes, { namespace: ns, name: "golden" });
          if (dv.status?.phase === "Failed") throw new Error("the import failed");
          return dv.status?.phase === "Succeeded" ? dv : undefined;
        }, 180_000);
        const image = await goldenImage(ns);
        const before = await sha256Of(image);

        for (const name of ["one", "two"]) {
          await createScheduledVmi(rest, ns, name, {
            domain: {
              resources: { requests: { memory: "96Mi" } },
              devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
            },
            volumes: [{
              name: "root",
              ephemeral: { persistentVolumeClaim: { claimName: "golden" } },
            }],
            terminationGracePeriodSeconds: 2,
          }, agent.node);
        }
        for (const name of ["one", "two"]) {
          await waitForPhase(rest, ns, name, "Running", 180_000);
          await waitForSerial(agent, ns, name, fixture.marker);
        }
        assert.equal(await sha256Of(image), before, "the golden image is unchanged");
      } catch (error) {
        console.error(await agent?.log());
        for (const resource of [virtualMachineInstances, pods, persistentVolumeClaims]) {
          const list = await rest.list(resource, { namespace: ns }).catch(() => ({ items: [] }));
          const items = list.items as (KubeObject & { status?: unknown })[];
          console.error(JSON.stringify(items.map((o) => [o.metadata?.name, o.status])));
        }
        throw error;
      } finally {
        await cleanUp(stack, agent, ns);
      }
    });
  } finally {
    await server.close();
    rest.close();
  }

  /** The golden claim's image on its node. */
  async function goldenImage(namespace: string): Promise<string> {
    const claim = await rest.get<Claim>(persistentVolumeClaims, { namespace, name: "golden" });
    const volume = await rest.get<Volume>(persistentVolumes, { name: claim.spec!.volumeName! });
    return join(volume.spec!.local!.path, "disk.img");
  }
});

async function sha256Of(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

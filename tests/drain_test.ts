/**
 * `kubectl drain` of a node running VMs, as KubeVirt users do it, with a second node to go to: a
 * VM with `evictionStrategy: LiveMigrate` and one that sets none while the cluster's default
 * (ConfigMap denovirt-config) is LiveMigrate both move to denovirt-local through evacuation
 * migrations with their guests running on (a token each guest made in memory reads back the
 * same); a VM with `evictionStrategy: None` stops as its launcher pod goes and its run strategy
 * (Always) starts it again on denovirt-local. The drain itself succeeds and leaves the node
 * cordoned and without domains.
 */
import assert from "node:assert/strict";
import {
  EVACUATION_GENERATE_NAME,
  EVACUATION_MIGRATION_ANNOTATION,
  EVICTION_STRATEGY_KEY,
  type EvictionStrategy,
  type Pod,
  type VirtualMachineInstance,
  VMI_ID_LABEL,
  type VMIM,
} from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import {
  nodes,
  pods,
  virtualMachineInstanceMigrations,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { kubectl, recordVmis, setUnschedulable, whileCordoned } from "./support/drains.ts";
import {
  deleteVmsAndWait,
  domainsOn,
  httpGet,
  migratableVm,
  tokenUserData,
  withSetting,
} from "./support/migrations.ts";
import { ownNode, type TestNode, withExtraNode } from "./support/nodes.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
await ensureGuestFixture();
const image = `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`;

/** The test's VMs: name -> the eviction strategy the VM sets (undefined: the cluster's). */
const VMS: Record<string, EvictionStrategy | undefined> = {
  explicit: "LiveMigrate",
  defaulted: undefined,
  stopper: "None",
};
const MIGRATING = ["explicit", "defaulted"];

/** When the VMI's phase became Running (whole seconds). */
const runningAt = (vmi: VirtualMachineInstance) =>
  Date.parse(
    vmi.status?.phaseTransitionTimestamps?.find((x) => x.phase === "Running")
      ?.phaseTransitionTimestamp ?? "",
  );

type NodeObject = KubeObject & {
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string }[] };
};

Deno.test({
  name: "kubectl drain migrates LiveMigrate VMs (their own strategy or the cluster's) off the " +
    "node with their guests running, and a None VM's run strategy starts it again elsewhere",
  fn: async (t) => {
    const rest = adminRest(stack);
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    const one = ownNode(stack);
    await withNamespace(stack.admin, "drain", async (ns) => {
      const vmi = async (name: string) => (await getVmi(rest, ns, name))!;
      const ipOf = async (name: string) => (await vmi(name)).status?.interfaces?.[0]?.ipAddress;
      const tokenOf = (name: string, ip: string) =>
        eventually(
          `${name}'s token over HTTP`,
          () => httpGet(ip, "/token").catch(() => undefined),
          120_000,
        );
      const history = await recordVmis(stack.admin, ns);
      try {
        await withExtraNode(stack, async (two: TestNode) => {
          await withSetting(rest, EVICTION_STRATEGY_KEY, "LiveMigrate", async () => {
            try {
              const before = new Map<string, { token: string; uid: string; ip: string }>();
              await step("three VMs run on node 2", async () => {
                await eventually(`${two.name} Ready`, async () => {
                  const node = await rest.get<NodeObject>(nodes, { name: two.name });
                  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
                  return ready?.status === "True" || undefined;
                }, 60_000);
                // Node 1 takes no new pods until the VMs are bound to node 2.
                await whileCordoned(rest, one.name, async () => {
                  for (const [name, strategy] of Object.entries(VMS)) {
                    const vm = migratableVm(name, image, tokenUserData());
                    if (strategy) {
                      (vm.spec.template.spec as Record<string, unknown>).evictionStrategy =
                        strategy;
                    }
                    await rest.create(virtualMachines, {
                      ...vm,
                      metadata: { name, namespace: ns },
                    } as KubeObject);
                  }
                  for (const name of Object.keys(VMS)) {
                    await eventually(`${name} on ${two.name}`, async () => {
                      const now = await getVmi(rest, ns, name);
                      return now?.status?.nodeName || undefined;
                    }, 120_000).then((node) => assert.equal(node, two.name));
                  }
                });
                for (const name of Object.keys(VMS)) {
                  const running = await waitForPhase(rest, ns, name, "Running", 240_000);
                  const ip = await eventually(`${name}'s pod IP`, () => ipOf(name), 60_000);
                  before.set(name, {
                    token: await tokenOf(name, ip),
                    uid: running.metadata.uid!,
                    ip,
                  });
                }
                for (const name of MIGRATING) {
                  await eventually(
                    `${name} LiveMigratable`,
                    async () =>
                      (await vmi(name)).status?.conditions?.some((c) =>
                        c.type === "LiveMigratable" && c.status === "True"
                      ) || undefined,
                    60_000,
                  );
                }
              });

              let drainStarted = 0;
              await step("kubectl drain of node 2 succeeds", async () => {
                const started = drainStarted = Date.now();
                const result = await kubectl(stack, [
                  "drain",
                  two.name,
                  "--ignore-daemonsets",
                  "--delete-emptydir-data",
                  "--timeout=420s",
                ]);
                const drainMs = Date.now() - started;
                const output = `${result.stdout}\n${result.stderr}`;
                const retries = output.split("\n").filter((l) => l.includes("will retry")).length;
                console.log(`kubectl drain took ${drainMs} ms, ${retries} refused evictions`);
                console.log(output);
                assert.equal(result.code, 0, output);
                assert.match(output, new RegExp(`node/${two.name} drained`));
                assert.match(output, /Eviction triggered evacuation of VMI/);
              });

              await step("the LiveMigrate VMs run on node 1 with the same guests", async () => {
                for (const name of MIGRATING) {
                  const now = await vmi(name);
                  assert.equal(now.status?.nodeName, one.name, name);
                  assert.equal(now.metadata.uid, before.get(name)!.uid, `${name}: the same VMI`);
                  assert.equal(now.status?.phase, "Running", name);
                  assert.equal(now.status?.evacuationNodeName, undefined, name);
                  const migrations = (await rest.list<VMIM & KubeObject>(
                    virtualMachineInstanceMigrations,
                    { namespace: ns, labelSelector: `kubevirt.io/vmi-name=${name}` },
                  )).items;
                  assert.equal(
                    migrations.length,
                    1,
                    JSON.stringify(migrations.map((m) => m.status)),
                  );
                  const [evacuation] = migrations;
                  assert.ok(evacuation!.metadata.name!.startsWith(EVACUATION_GENERATE_NAME));
                  assert.equal(
                    evacuation!.metadata.annotations?.[EVACUATION_MIGRATION_ANNOTATION],
                    two.name,
                  );
                  assert.equal(evacuation!.status?.phase, "Succeeded", name);
                  const times = evacuation!.status?.phaseTransitionTimestamps ?? [];
                  const at = (phase: string) =>
                    Date.parse(
                      times.find((x) => x.phase === phase)?.phaseTransitionTimestamp ?? "",
                    );
                  console.log(
                    `${name}: ${evacuation!.metadata.name} Pending -> Succeeded in ` +
                      `${(at("Succeeded") - at("Pending")) / 1000} s`,
                  );
                  const ip = await eventually(`${name}'s new pod IP`, async () => {
                    const address = await ipOf(name);
                    return address && address !== before.get(name)!.ip ? address : undefined;
                  }, 60_000);
                  assert.equal(await tokenOf(name, ip), before.get(name)!.token, name);
                }
              });

              await step(
                "the None VM stopped and its run strategy started it on node 1",
                async () => {
                  const old = before.get("stopper")!;
                  const ended = history.versionsOf(old.uid).find((v) =>
                    v.status?.phase === "Failed" || v.status?.phase === "Succeeded"
                  );
                  assert.ok(ended, "the VMI on node 2 ended");
                  // The fixture's guest ignores ACPI, so it is forced off after its grace (2 s):
                  // KubeVirt's Failed for a destroyed guest that had ACPI.
                  assert.equal(ended.status?.phase, "Failed");
                  assert.equal(ended.status?.reason, "Destroyed");
                  const endedAt = Date.parse(
                    ended.status?.phaseTransitionTimestamps?.find((x) => x.phase === "Failed")
                      ?.phaseTransitionTimestamp ?? "",
                  );
                  const endedAfterMs = endedAt - drainStarted;
                  // Its grace, not the launcher pod's (padded by 30 s), plus some slack.
                  assert.ok(endedAfterMs < 12_000, `the guest ended ${endedAfterMs} ms in`);
                  const next = await eventually("a new stopper VMI running", async () => {
                    const now = await getVmi(rest, ns, "stopper");
                    return now && now.metadata.uid !== old.uid && now.status?.phase === "Running"
                      ? now
                      : undefined;
                  }, 240_000);
                  assert.equal(next.status?.nodeName, one.name);
                  console.log(
                    `stopper: its VMI on node 2 ended ${endedAfterMs} ms after the drain began ` +
                      `(whole seconds), a new one ran on node 1 at ${
                        runningAt(next) - drainStarted
                      } ms`,
                  );
                  const migrations = await rest.list<VMIM>(virtualMachineInstanceMigrations, {
                    namespace: ns,
                    labelSelector: `kubevirt.io/vmi-name=stopper`,
                  });
                  assert.deepEqual(migrations.items, [], "no migration of a None VM");
                  const ip = await eventually("stopper's pod IP", () => ipOf("stopper"), 60_000);
                  assert.notEqual(
                    await tokenOf("stopper", ip),
                    old.token,
                    "the guest booted again",
                  );
                },
              );

              await step("node 2 is cordoned and holds nothing of the VMs", async () => {
                const node = await rest.get<NodeObject>(nodes, { name: two.name });
                assert.equal(node.spec?.unschedulable, true);
                assert.deepEqual(await domainsOn(two.libvirtUri), []);
                const left = (await rest.list<Pod>(pods, { namespace: ns })).items
                  .filter((p) => p.spec?.nodeName === two.name);
                assert.deepEqual(left.map((p) => p.metadata?.name), []);
                for (const name of Object.keys(VMS)) {
                  const vmiPods = (await rest.list<Pod>(pods, {
                    namespace: ns,
                    labelSelector: `${VMI_ID_LABEL}=${name}`,
                  })).items;
                  assert.deepEqual(vmiPods.map((p) => p.spec?.nodeName), [one.name], name);
                }
              });
            } finally {
              await setUnschedulable(rest, two.name, false).catch(() => {});
              // The VMs go before node 2 does.
              await deleteVmsAndWait(rest, ns, Object.keys(VMS));
            }
          });
        });
      } finally {
        history.stop();
      }
    });
  },
});

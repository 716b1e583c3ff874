/**
 * Live migration the whole way, with `virtctl` v1.7.0 and a second node: a containerDisk VM with
 * cloud-init on the masquerade pod network moves to node 2 while a Service keeps answering for it
 * (the failed requests are counted and printed), keeps its memory (a token its guest made at boot
 * reads back the same), and leaves nothing on node 1; a second, memory-busy VM on a throttled
 * migration is cancelled while it runs and stays where it was, with nothing left on the target.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Pod, VMI, VMIM } from "../api/mod.ts";
import { VMI_ID_LABEL } from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import {
  nodes,
  pods,
  services,
  virtualMachineInstanceMigrations,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import {
  deleteVmsAndWait,
  domainsOn,
  httpGet,
  migratableVm,
  pollHttp,
  recordMigrations,
  tokenUserData,
  withMigrationSettings,
} from "./support/migrations.ts";
import { ownNode, type TestNode, withExtraNode } from "./support/nodes.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { runWithKubeconfig } from "./support/virtctl.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const stack = await testStack();
await ensureGuestFixture();
const image = `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`;

/** KubeVirt's phases of a migration that succeeds, in order. */
const SUCCEEDED_PHASES = [
  "Pending",
  "Scheduling",
  "Scheduled",
  "PreparingTarget",
  "TargetReady",
  "Running",
  "Succeeded",
];

type NodeObject = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };

Deno.test({
  name: "virtctl migrate moves a running VM to another node without a reboot while its Service " +
    "answers, and migrate-cancel leaves a VM where it was",
  fn: async (t) => {
    const rest = adminRest(stack);
    const virtctl = await ensureVirtctl();
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    const one = ownNode(stack);
    await withNamespace(stack.admin, "migration", async (ns) => {
      const run = async (...args: string[]) => {
        const result = await runWithKubeconfig(
          virtctl,
          [...args, "-n", ns],
          stack.paths.kubeconfig,
        );
        assert.equal(result.code, 0, `virtctl ${args.join(" ")}: ${result.stderr}`);
      };
      const launcherPods = async (vmi: string) =>
        (await rest.list<Pod>(pods, { namespace: ns, labelSelector: `${VMI_ID_LABEL}=${vmi}` }))
          .items;
      const vmi = async (name: string) => (await getVmi(rest, ns, name))! as VMI & KubeObject;
      const migrationOf = (name: string) =>
        eventually(`the migration of ${name}`, async () => {
          const list = await rest.list<VMIM & KubeObject>(virtualMachineInstanceMigrations, {
            namespace: ns,
            labelSelector: `kubevirt.io/vmi-name=${name}`,
          });
          return list.items[0];
        });
      const podIpOf = async (name: string) =>
        (await vmi(name)).status?.interfaces?.[0]?.ipAddress ?? "";
      const migrations = await recordMigrations(stack.admin, ns);
      try {
        // Node 1 is the only node when the VM starts, so it runs there.
        let token = "";
        let clusterIP = "";
        await step("a VM with a containerDisk and cloud-init runs on node 1", async () => {
          await rest.create(virtualMachines, {
            ...migratableVm("mover", image, tokenUserData()),
            metadata: { name: "mover", namespace: ns },
          } as KubeObject);
          await waitForPhase(rest, ns, "mover", "Running", 180_000);
          assert.equal((await vmi("mover")).status?.nodeName, one.name);
          const ip = await eventually(
            "the VM's pod IP",
            () => podIpOf("mover").then((v) => v || undefined),
            60_000,
          );
          token = await eventually(
            "the guest's token over HTTP",
            () => httpGet(ip, "/token").catch(() => undefined),
            120_000,
          );
          assert.match(token, /^[0-9a-f-]{36}$/);
          const service = await rest.create<KubeObject & { spec: { clusterIP?: string } }>(
            services,
            {
              apiVersion: "v1",
              kind: "Service",
              metadata: { name: "mover", namespace: ns },
              spec: {
                selector: { [VMI_ID_LABEL]: "mover" },
                ports: [{ port: 80, targetPort: 80 }],
              },
            } as KubeObject & { spec: { clusterIP?: string } },
          );
          clusterIP = service.spec.clusterIP!;
          await eventually(
            "HTTP through the Service",
            () => httpGet(clusterIP, "/token").catch(() => undefined),
            60_000,
          );
        });

        await withExtraNode(stack, async (two: TestNode) => {
          await step("node 2 is Ready and the VMI LiveMigratable", async () => {
            await eventually(`${two.name} Ready`, async () => {
              const node = await rest.get<NodeObject>(nodes, { name: two.name });
              const ready = node.status?.conditions?.find((c) => c.type === "Ready");
              return ready?.status === "True" || undefined;
            }, 60_000);
            const condition = (await vmi("mover")).status?.conditions?.find((c) =>
              c.type === "LiveMigratable"
            );
            assert.equal(condition?.status, "True", JSON.stringify(condition));
            assert.equal((await vmi("mover")).status?.migrationMethod, "BlockMigration");
          });

          await step(
            "virtctl migrate moves it to node 2 and the Service keeps answering",
            async () => {
              const sourcePod = (await launcherPods("mover"))[0]!;
              const sourceIp = sourcePod.status?.podIP;
              const poller = pollHttp(() => clusterIP, "/token");
              const started = Date.now();
              let count;
              try {
                await run("migrate", "mover");
                const name = (await migrationOf("mover")).metadata.name!;
                const done = await eventually("the migration to end", async () => {
                  const m = await rest.get<VMIM & KubeObject>(virtualMachineInstanceMigrations, {
                    namespace: ns,
                    name,
                  });
                  return m.status?.phase === "Succeeded" || m.status?.phase === "Failed"
                    ? m
                    : undefined;
                }, 300_000);
                const elapsed = Date.now() - started;
                assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
                const phases = done.status?.phaseTransitionTimestamps?.map((p) => p.phase);
                assert.deepEqual(phases, SUCCEEDED_PHASES);
                for (const p of done.status?.phaseTransitionTimestamps ?? []) {
                  assert.ok(!Number.isNaN(Date.parse(p.phaseTransitionTimestamp ?? "")), p.phase);
                }
                const after = await vmi("mover");
                assert.equal(after.status?.nodeName, two.name);
                assert.equal(after.status?.migrationState?.completed, true);
                assert.equal(after.status?.migrationState?.targetNodeDomainDetected, true);
                // The Service finds the guest again on node 2.
                await eventually(
                  "the Service to answer from node 2",
                  () => httpGet(clusterIP, "/token").catch(() => undefined),
                  60_000,
                );
                count = await poller.stop();
                const targetIp = await eventually("the VMI's new pod IP", async () => {
                  const ip = await podIpOf("mover");
                  return ip && ip !== sourceIp ? ip : undefined;
                }, 60_000);
                console.log(
                  `migration took ${elapsed} ms; pod IP ${sourceIp} -> ${targetIp}; requests ` +
                    `through the Service: ${count.ok} answered, ${count.failed} failed ` +
                    `(failing for ${count.failingMs} ms)`,
                );
                assert.equal(await httpGet(targetIp, "/token"), token, "the guest kept its memory");
                assert.equal(await httpGet(clusterIP, "/token"), token);
              } finally {
                await poller.stop();
              }
            },
          );

          await step("nothing of the VM is left on node 1", async () => {
            const domain = `${ns}_mover`;
            assert.ok(!(await domainsOn(one.libvirtUri)).includes(domain), "no domain on node 1");
            assert.ok((await domainsOn(two.libvirtUri)).includes(domain), "the domain on node 2");
            const left = await eventually("the source launcher pod to go", async () => {
              const all = await launcherPods("mover");
              return all.every((p) => p.spec?.nodeName === two.name) ? all : undefined;
            }, 60_000);
            assert.equal(left.length, 1);
            const uid = (await vmi("mover")).metadata.uid!;
            // The target made an empty overlay: the guest's write came with the disk copy.
            const overlay = join(two.dataDir, "vmis", uid, "containerdisk.overlay.qcow2");
            const bytes = new TextDecoder("latin1").decode(await Deno.readFile(overlay));
            assert.ok(bytes.includes(`DISK-WRITE-${token}`), "the guest's disk write was copied");
            await eventually("the VM's files on node 1 to go", async () => {
              const there = await Deno.stat(join(one.dataDir, "vmis", uid)).then(
                () => true,
                () => false,
              );
              return there ? undefined : true;
            });
          });

          await step(
            "migrate-cancel of a busy VM's throttled migration leaves it where it was",
            async () => {
              await withMigrationSettings(rest, { bandwidthPerMigration: "1Mi" }, async () => {
                await rest.create(virtualMachines, {
                  ...migratableVm("busy", image, tokenUserData(true)),
                  metadata: { name: "busy", namespace: ns },
                } as KubeObject);
                await waitForPhase(rest, ns, "busy", "Running", 180_000);
                const source = (await vmi("busy")).status!.nodeName!;
                const target = source === one.name ? two : one;
                const ip = await eventually(
                  "busy's pod IP",
                  () => podIpOf("busy").then((v) => v || undefined),
                  60_000,
                );
                const busyToken = await eventually(
                  "busy's token",
                  () => httpGet(ip, "/token").catch(() => undefined),
                  120_000,
                );
                await eventually(
                  "busy LiveMigratable",
                  async () =>
                    (await vmi("busy")).status?.conditions?.some((c) =>
                      c.type === "LiveMigratable" && c.status === "True"
                    ) || undefined,
                  30_000,
                );
                await run("migrate", "busy");
                const name = (await migrationOf("busy")).metadata.name!;
                await eventually("the busy migration to run", async () => {
                  const m = await rest.get<VMIM & KubeObject>(virtualMachineInstanceMigrations, {
                    namespace: ns,
                    name,
                  });
                  assert.ok(
                    !["Failed", "Succeeded"].includes(m.status?.phase ?? ""),
                    m.status?.phase,
                  );
                  return m.status?.phase === "Running" || undefined;
                }, 180_000);
                await run("migrate-cancel", "busy");
                await eventually(
                  "the cancelled migration to go",
                  () => Promise.resolve(migrations.wasDeleted(name) || undefined),
                  120_000,
                );
                const last = migrations.versions(name).at(-1)!;
                assert.equal(last.status?.phase, "Failed", JSON.stringify(last.status));
                assert.equal(last.status?.migrationState?.abortStatus, "Succeeded");
                const after = await vmi("busy");
                assert.equal(after.status?.phase, "Running");
                assert.equal(after.status?.nodeName, source);
                assert.equal(after.status?.migrationState?.abortStatus, "Succeeded");
                assert.equal(after.status?.migrationState?.failed, true);
                assert.equal(await httpGet(ip, "/token"), busyToken, "the guest still runs");
                const domain = `${ns}_busy`;
                await eventually("nothing of busy on the target", async () => {
                  const domains = await domainsOn(target.libvirtUri);
                  const targetPods = (await launcherPods("busy")).filter((p) =>
                    p.spec?.nodeName === target.name
                  );
                  const files = await Deno.stat(join(target.dataDir, "vmis", after.metadata.uid!))
                    .then(() => true, () => false);
                  return !domains.includes(domain) && targetPods.length === 0 && !files ||
                    undefined;
                }, 60_000);
                assert.ok((await domainsOn(
                  source === one.name ? one.libvirtUri : two.libvirtUri,
                )).includes(domain));
              });
            },
          );
          // The VMs go before node 2 does.
          await deleteVmsAndWait(rest, ns, ["mover", "busy"]);
        });
      } finally {
        migrations.stop();
      }
    });
  },
});

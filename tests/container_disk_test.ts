/**
 * containerDisk VMs as KubeVirt's manifests write them, the whole way: the agent pulls the image
 * from a registry into its node's cache once, each VMI boots on a qcow2 overlay of its own, and
 * deleting the VMIs removes the overlays. Pulls that fail (unknown image, bad credentials, images
 * that are not one safe disk, an unlisted plain-HTTP registry) end as a kubelet's would, with
 * nothing left in the cache and the agent serving the other VMs.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { secrets, virtualMachineInstances, virtualMachines } from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { type AgentDaemon, startAgentDaemon, waitForSerial } from "./support/agent.ts";
import {
  brokenImages,
  cacheOf,
  containerDiskVm,
  pullSecret,
  withInsecureRegistries,
} from "./support/container_disks.ts";
import { cleanUp } from "./support/host.ts";
import { startTestRegistry, type TestRegistry } from "./support/registry.ts";
import { adminRest, getVmi, type Vmi, vmiEvents, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack = await testStack();
const fixture = await ensureGuestFixture();

type Vm = KubeObject & { status?: { printableStatus?: string } };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const PULL_FAILED = ["ErrImagePull", "ImagePullBackOff"];

/** A guest script that writes `OVERLAY-WRITE-<id>` near the end of its root disk, then says so. */
const writerScript = (id: string) =>
  `#!/bin/sh
size=$(cat /sys/class/block/vda/size)
printf 'OVERLAY-WRITE-${id}' | dd of=/dev/vda bs=512 seek=$((size - 64)) conv=notrunc 2>/dev/null
sync
echo "WROTE-$((40 + 2))-${id} $?"
`;

/** The manifest digest a registry serves for `repository:tag`. */
async function manifestDigest(host: string, repository: string, tag: string): Promise<string> {
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
    },
  });
  await response.body?.cancel();
  const digest = response.headers.get("docker-content-digest");
  if (!response.ok || !digest) throw new Error(`No digest for ${host}/${repository}:${tag}`);
  return digest;
}

/** The VM's printable statuses over time, until `until` holds of the ones seen. */
function watchPrintable(
  rest: RestClient,
  namespace: string,
  name: string,
  until: (seen: Set<string>) => boolean,
  timeoutMs = 90_000,
): Promise<Set<string>> {
  const seen = new Set<string>();
  return eventually(`VM ${name}'s printableStatus`, async () => {
    const vm = await rest.get<Vm>(virtualMachines, { namespace, name });
    if (vm.status?.printableStatus) seen.add(vm.status.printableStatus);
    return until(seen) ? seen : undefined;
  }, timeoutMs);
}

/** Waits for a Warning Failed Event on the VMI whose message matches `cause`; answers it. */
function failedEvent(rest: RestClient, namespace: string, name: string, cause: RegExp) {
  return eventually(`a Failed event on ${name} matching ${cause}`, async () => {
    const found = (await vmiEvents(rest, namespace, name)).find((e) =>
      e.type === "Warning" && e.reason === "Failed" && cause.test(e.message ?? "")
    );
    return found?.message;
  }, 90_000);
}

Deno.test({
  name: "containerDisk VMs boot from a registry through the node's image cache, and failed pulls " +
    "end as a kubelet's",
  ignore,
  fn: async (t) => {
    const rest = adminRest(stack);
    // A failed step stops the test: later ones build on it, and the failure shows the agent's log.
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    const stackRegistry = `127.0.0.1:${stack.ports.registry}`;
    const fixtureImage = `${stackRegistry}/${FIXTURE_REPOSITORY}:latest`;
    const tmp = await Deno.makeTempDir({ prefix: "denovirt-containerdisk-test-" });
    const registries: TestRegistry[] = [];
    let agent: AgentDaemon | undefined;
    try {
      const plain = await startTestRegistry("plain");
      registries.push(plain);
      const token = await startTestRegistry("token");
      registries.push(token);
      const broken = await brokenImages(tmp);
      for (const [name, layout] of Object.entries(broken)) {
        await plain.publish(layout, `broken/${name}`, "v1");
      }
      await withNamespace(stack.admin, "containerdisk", async (ns) => {
        try {
          agent = await startAgentDaemon(stack);
          const node = agent.node;
          const create = (resource: typeof virtualMachines, body: object) =>
            rest.create(resource, {
              ...body,
              metadata: { ...(body as KubeObject).metadata, namespace: ns },
            } as KubeObject);
          const vmi = async (name: string) => (await getVmi(rest, ns, name))!;
          let fixtureEntry = "";
          const uids: Record<string, string> = {};

          await step(
            "two VMs of one image boot on one cached base, each writing its own overlay",
            async () => {
              for (const id of ["one", "two"]) {
                await create(
                  virtualMachines,
                  containerDiskVm(id, node, fixtureImage, { userData: writerScript(id) }),
                );
              }
              for (const id of ["one", "two"]) {
                await waitForPhase(rest, ns, id, "Running", 180_000);
                const log = await waitForSerial(agent!, ns, id, `WROTE-42-${id} 0`);
                assert.ok(log.includes(fixture.marker), "the fixture booted");
                uids[id] = (await vmi(id)).metadata.uid!;
              }
              const cache = await cacheOf(agent!);
              assert.equal(cache.entries.length, 1, "one cached base for both VMs");
              fixtureEntry = cache.entries[0]!;
              const base = join(cache.root, "sha256", fixtureEntry, "disk");
              assert.equal((await Deno.stat(base)).mode! & 0o777, 0o444, "nothing may write it");
              const baseBytes = await Deno.readFile(base);
              assert.equal(sha256(baseBytes), sha256(await Deno.readFile(fixture.diskQcow2)));
              assert.deepEqual(cache.leases[fixtureEntry], [uids.one, uids.two].sort());

              const overlay = (id: string) =>
                join(agent!.dataDir, "vmis", uids[id]!, "containerdisk.overlay.qcow2");
              const holds = async (file: string, id: string) =>
                new TextDecoder("latin1").decode(await Deno.readFile(file))
                  .includes(`OVERLAY-WRITE-${id}`);
              for (const [id, other] of [["one", "two"], ["two", "one"]] as const) {
                await eventually(
                  `${id}'s write in its overlay`,
                  async () => (await holds(overlay(id), id)) || undefined,
                );
                assert.ok(
                  !(await holds(overlay(id), other)),
                  `${id}'s overlay has only its writes`,
                );
              }
              const text = new TextDecoder("latin1").decode(baseBytes);
              assert.ok(!text.includes("OVERLAY-WRITE-"), "the base is never written");

              const digest = await manifestDigest(stackRegistry, FIXTURE_REPOSITORY, "latest");
              for (const id of ["one", "two"]) {
                const status = (await vmi(id)).status?.volumeStatus?.find((v) =>
                  v.name === "containerdisk"
                );
                assert.equal(status?.target, "vda");
                assert.deepEqual(status?.containerDiskVolume, {
                  imageID: `${stackRegistry}/${FIXTURE_REPOSITORY}@${digest}`,
                });
              }
              const events = [
                ...await vmiEvents(rest, ns, "one"),
                ...await vmiEvents(rest, ns, "two"),
              ];
              assert.ok(
                events.some((e) => e.reason === "Pulling"),
                "a Pulling event",
              );
              assert.ok(
                events.some((e) => e.reason === "Pulled" && e.message?.includes(fixtureImage)),
                "a Pulled event naming the image",
              );
            },
          );

          await step(
            "an unlisted plain-HTTP registry is refused, naming the setting",
            async () => {
              await create(
                virtualMachines,
                containerDiskVm("unlisted", node, `${plain.host}/${FIXTURE_REPOSITORY}:latest`),
              );
              await failedEvent(
                rest,
                ns,
                "unlisted",
                /insecureRegistries in ConfigMap denovirt\/denovirt-config/,
              );
              await watchPrintable(
                rest,
                ns,
                "unlisted",
                (seen) => PULL_FAILED.some((s) => seen.has(s)),
              );
            },
          );

          const wrongPassword = `wrong-${crypto.randomUUID()}`;
          await withInsecureRegistries(rest, [plain.host, token.host], async () => {
            await step(
              "once listed, the same VM starts, without restarting anything",
              async () => {
                await waitForPhase(rest, ns, "unlisted", "Running", 180_000);
                const cache = await cacheOf(agent!);
                assert.deepEqual(cache.entries, [fixtureEntry], "the same image: the same base");
              },
            );

            await step(
              "failed pulls end ErrImagePull, then ImagePullBackOff, naming the cause",
              async () => {
                await create(secrets, pullSecret("wrong", token.host, "denovirt", wrongPassword));
                const cases: Array<[string, string, RegExp, string?]> = [
                  ["missing", `${stackRegistry}/denovirt/missing:v1`, /answered HTTP 404/],
                  ["two-files", `${plain.host}/broken/two-files:v1`, /more than one file/],
                  ["backing-file", `${plain.host}/broken/backing-file:v1`, /backing file/],
                  ["climbs-out", `${plain.host}/broken/climbs-out:v1`, /climbs out with \.\./],
                  [
                    "wrong-password",
                    `${token.host}/${FIXTURE_REPOSITORY}:qcow2`,
                    /HTTP 401|HTTP 403/,
                    "wrong",
                  ],
                ];
                const images = Object.fromEntries(cases.map(([name, image]) => [name, image]));
                for (const [name, image, , secret] of cases) {
                  await create(
                    virtualMachines,
                    containerDiskVm(name, node, image, secret ? { imagePullSecret: secret } : {}),
                  );
                }
                for (const [name, image, cause] of cases) {
                  const message = await failedEvent(rest, ns, name, cause);
                  assert.ok(message.includes(image), `${name}: the event names the image`);
                  // The Event may come before the status write.
                  const synchronized = await eventually(
                    `${name}'s condition`,
                    async () =>
                      (await vmi(name)).status?.conditions?.find((c) =>
                        c.type === "Synchronized" && c.status === "False"
                      ),
                  );
                  assert.ok(PULL_FAILED.includes(synchronized.reason ?? ""), `${name}: reason`);
                  assert.match(
                    synchronized.message ?? "",
                    cause,
                    `${name}: the condition says why`,
                  );
                  assert.ok(synchronized.message?.includes(image), `${name}: condition names it`);
                }
                // A kubelet's sequence: ErrImagePull at each failed try (its Failed Events
                // above), ImagePullBackOff while waiting for the next one. ErrImagePull lasts
                // only until the next pass, so the VMs are seen settled in back-off.
                for (const [name] of cases) {
                  const seen = await watchPrintable(
                    rest,
                    ns,
                    name,
                    (s) => s.has("ImagePullBackOff"),
                  );
                  assert.ok(!seen.has("Running"), name);
                  const backOff = (await vmiEvents(rest, ns, name)).find((e) =>
                    e.reason === "BackOff"
                  );
                  assert.equal(backOff?.message, `Back-off pulling image "${images[name]}"`);
                }

                const shown = JSON.stringify([
                  await rest.list(virtualMachineInstances, { namespace: ns }),
                  await vmiEvents(rest, ns, "wrong-password"),
                ]);
                assert.ok(!shown.includes(wrongPassword), "no credentials in status or events");
                assert.ok(!(await agent!.log()).includes(wrongPassword), "none in the agent's log");
                const cache = await cacheOf(agent!);
                assert.deepEqual(cache.entries, [fixtureEntry], "nothing new in the cache");
                assert.deepEqual(cache.tmp, [], "no half-pulled image");
              },
            );

            await step(
              "the agent keeps serving: token authentication with the right secret",
              async () => {
                const { username, password } = token.credentials!;
                await create(secrets, pullSecret("right", token.host, username, password));
                await create(
                  virtualMachines,
                  containerDiskVm("token", node, `${token.host}/${FIXTURE_REPOSITORY}:qcow2`, {
                    imagePullSecret: "right",
                  }),
                );
                await waitForPhase(rest, ns, "token", "Running", 180_000);
                for (const id of ["one", "two", "unlisted"]) {
                  assert.equal((await vmi(id)).status?.phase, "Running", `${id} still runs`);
                }
                // The image is now on the node, pulled with the right secret: a VMI with the
                // wrong one still has to convince the registry, and cannot.
                const image = `${token.host}/${FIXTURE_REPOSITORY}:qcow2`;
                await create(
                  virtualMachines,
                  containerDiskVm("wrong-again", node, image, { imagePullSecret: "wrong" }),
                );
                await failedEvent(rest, ns, "wrong-again", /HTTP 401/);
                assert.notEqual((await vmi("wrong-again")).status?.phase, "Running");
              },
            );
          });

          await step(
            "deleting the VMs removes their overlays; the base stays cached",
            async () => {
              const names = ["one", "two", "unlisted", "token", "wrong-again"];
              const all = Object.fromEntries(
                await Promise.all(names.map(async (n) => [n, (await vmi(n)).metadata.uid!])),
              );
              for (const name of names) {
                await rest.delete(virtualMachines, { namespace: ns, name });
              }
              for (const name of names) {
                await eventually(
                  `VMI ${name} to be gone`,
                  async () => (await getVmi(rest, ns, name)) ? undefined : true,
                  120_000,
                );
                const dir = join(agent!.dataDir, "vmis", all[name]!);
                assert.equal(
                  await Deno.stat(dir).then(() => true, () => false),
                  false,
                  `${name}'s overlay is gone`,
                );
              }
              const cache = await cacheOf(agent!);
              assert.deepEqual(cache.entries, [fixtureEntry]);
              assert.deepEqual(cache.leases[fixtureEntry] ?? [], [], "no VMI holds the base");
            },
          );
        } catch (error) {
          console.error(await agent?.log());
          const list = await rest.list<Vmi>(virtualMachineInstances, { namespace: ns })
            .catch(() => ({ items: [] as Vmi[] }));
          console.error(JSON.stringify(list.items.map((o) => [o.metadata.name, o.status])));
          throw error;
        } finally {
          await cleanUp(stack, agent, ns);
        }
      });
    } finally {
      for (const registry of registries) await registry.close();
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      rest.close();
    }
  },
});

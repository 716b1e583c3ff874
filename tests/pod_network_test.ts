/**
 * VMs on the pod network, the whole way: the agent gives each launcher pod a network namespace
 * through the CNI plugins, the guest gets 10.0.2.2 by DHCP behind masquerade, the pod IP shows in
 * `kubectl get vmi`, reaches the guest's HTTP server from this machine (only the listed ports),
 * from another VM and through a Service that `virtctl expose` made; an agent SIGKILL and restart
 * changes none of it; deleting the VMs leaves no namespace, link, DHCP server or IP allocation.
 * Traffic goes only to pod and service IPs inside namespaces the stack made.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Pod } from "../api/mod.ts";
import { runChecked } from "../lib/exec.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { pods, services, virtualMachineInstances, virtualMachines } from "../lib/kube/resources.ts";
import { ensureKubeBinaries } from "../stack/kube_binaries.ts";
import { cniPaths } from "../stack/pod_network.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { vmLinksOf } from "../agent/network/names.ts";
import { type AgentDaemon, startAgentDaemon, waitForSerial } from "./support/agent.ts";
import { containerDiskVm } from "./support/container_disks.ts";
import { cleanUp, dhcpServerPids } from "./support/host.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { runWithKubeconfig } from "./support/virtctl.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack = await testStack();
await ensureGuestFixture();

/**
 * A fixture VM on the pod network with template labels `app: <name>`: masquerade (with `ports` if
 * given) or the bridge binding.
 */
function podNetworkVm(
  name: string,
  node: string,
  opts: { ports?: { port: number }[]; userData?: string; bridge?: boolean } = {},
) {
  const image = `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`;
  const vm = containerDiskVm(name, node, image, { userData: opts.userData ?? "#!/bin/sh\n:\n" });
  const template = vm.spec.template as Record<string, unknown> & { spec: Record<string, unknown> };
  template.metadata = { labels: { app: name } };
  const domain = template.spec.domain as { devices: Record<string, unknown> };
  domain.devices.interfaces = [{
    name: "default",
    ...(opts.bridge ? { bridge: {} } : { masquerade: {} }),
    ...(opts.ports ? { ports: opts.ports } : {}),
  }];
  template.spec.networks = [{ name: "default", pod: {} }];
  return vm;
}

/** The body of `GET /` on ip:port over a raw connection (fetch refuses some ports). */
async function httpGet(ip: string, port = 80): Promise<string> {
  const conn = await Deno.connect({ hostname: ip, port });
  await conn.write(new TextEncoder().encode(`GET / HTTP/1.0\r\nHost: ${ip}\r\n\r\n`));
  const text = await new Response(conn.readable).text();
  return text.slice(text.indexOf("\r\n\r\n") + 4).trim();
}

async function connects(ip: string, port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: ip, port })).close();
    return true;
  } catch {
    return false;
  }
}

async function kubectl(...args: string[]): Promise<string> {
  const bin = (await ensureKubeBinaries()).kubectl;
  return await runChecked(bin, [`--kubeconfig=${stack.paths.kubeconfig}`, ...args]);
}

Deno.test({
  name: "VMs on the pod network are reached by pod IP, from each other and through a Service, " +
    "survive an agent restart, and leave nothing behind",
  ignore,
  fn: async (t) => {
    const rest = adminRest(stack);
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    let agent: AgentDaemon | undefined;
    await withNamespace(stack.admin, "podnet", async (ns) => {
      try {
        agent = await startAgentDaemon(stack);
        const node = agent.node;
        const create = (body: object) =>
          rest.create(virtualMachines, {
            ...body,
            metadata: { ...(body as KubeObject).metadata, namespace: ns },
          } as KubeObject);
        const launcherPod = async (vmi: string) =>
          (await rest.list<Pod>(pods, {
            namespace: ns,
            labelSelector: `vmi.kubevirt.io/id=${vmi}`,
          }))
            .items[0];
        let webIP = "";
        const podUids: string[] = [];

        await step(
          "a VM with ports [80] shows its pod IP and serves port 80 on it, not 22",
          async () => {
            await create(podNetworkVm("web", node, { ports: [{ port: 80 }] }));
            await waitForPhase(rest, ns, "web", "Running", 180_000);
            await waitForSerial(agent!, ns, "web", "DENOVIRT-HTTPD-READY");
            // DHCP runs in the background of the guest's boot.
            const log = await waitForSerial(agent!, ns, "web", "DENOVIRT-DHCP eth0 ");
            assert.match(log, /DENOVIRT-DHCP eth0 10\.0\.2\.2\/24 router 10\.0\.2\.1 /);
            webIP = await eventually(
              "the VMI's IP",
              async () => (await getVmi(rest, ns, "web"))?.status?.interfaces?.[0]?.ipAddress,
              60_000,
            );
            assert.match(webIP, /^10\.244\.\d+\.\d+$/);
            const pod = await launcherPod("web");
            assert.equal(pod?.status?.podIP, webIP);
            podUids.push(pod!.metadata!.uid!);
            const dhcp = (await runChecked("ps", ["-eo", "args"])).split("\n")
              .filter((line) => line.startsWith("dnsmasq ") && line.includes(pod!.metadata!.uid!));
            assert.equal(dhcp.length, 1, `one DHCP server for the VM: ${dhcp.join("\n")}`);
            const table = await kubectl("get", "vmi", "web", "-n", ns);
            assert.match(table.split("\n")[0]!, /\bIP\b/);
            assert.ok(table.includes(webIP), table);
            const body = await eventually(
              "HTTP from the guest",
              () => httpGet(webIP).catch(() => undefined),
              60_000,
            );
            assert.equal(body, "denovirt-guest web");
            assert.equal(await connects(webIP, 22), false, "port 22 is not forwarded");
            await eventually(
              "the launcher pod Ready",
              async () =>
                (await launcherPod("web"))?.status?.conditions?.some((c) =>
                  c.type === "Ready" && c.status === "True"
                ) || undefined,
            );
          },
        );

        await step("a second VM reaches the first by its pod IP", async () => {
          // busybox nc: the static busybox wget of the fixture segfaults.
          const fetchFirst = `#!/bin/sh
( for i in $(seq 1 120); do
    body=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${webIP} 80 | tail -n 1)
    if [ -n "$body" ]; then echo "FETCHED[$body]"; break; fi
    sleep 1
  done ) &
`;
          await create(podNetworkVm("client", node, { userData: fetchFirst }));
          await waitForPhase(rest, ns, "client", "Running", 180_000);
          await waitForSerial(agent!, ns, "client", "FETCHED[denovirt-guest web]");
          podUids.push((await launcherPod("client"))!.metadata!.uid!);
        });

        await step(
          "a bridge-bound VM takes the pod IP itself by DHCP and serves on it",
          async () => {
            await create(podNetworkVm("bridged", node, { bridge: true }));
            await waitForPhase(rest, ns, "bridged", "Running", 180_000);
            const pod = await launcherPod("bridged");
            const ip = pod!.status!.podIP!;
            podUids.push(pod!.metadata!.uid!);
            const log = await waitForSerial(agent!, ns, "bridged", "DENOVIRT-DHCP eth0 ");
            assert.ok(
              log.includes(`DENOVIRT-DHCP eth0 ${ip}/24 router `),
              "the guest holds the pod IP",
            );
            assert.equal(
              (await getVmi(rest, ns, "bridged"))?.status?.interfaces?.[0]?.ipAddress,
              ip,
            );
            const body = await eventually(
              "HTTP from the bridged guest",
              () => httpGet(ip).catch(() => undefined),
              60_000,
            );
            assert.equal(body, "denovirt-guest bridged");
          },
        );

        await step(
          "virtctl expose vm web --port=80 --name=web reaches it by ClusterIP",
          async () => {
            const virtctl = await ensureVirtctl();
            const exposed = await runWithKubeconfig(
              virtctl,
              ["expose", "vm", "web", "--port=80", "--name=web", "-n", ns],
              stack.paths.kubeconfig,
            );
            assert.equal(exposed.code, 0, exposed.stderr);
            const svc = await rest.get<KubeObject & { spec: { clusterIP: string } }>(services, {
              namespace: ns,
              name: "web",
            });
            const body = await eventually(
              "HTTP through the Service",
              () => httpGet(svc.spec.clusterIP).catch(() => undefined),
              60_000,
            );
            assert.equal(body, "denovirt-guest web");
          },
        );

        await step(
          "an agent SIGKILL and restart keep the VM reachable at the same IP",
          async () => {
            const dhcpBefore = await dhcpServerPids(podUids[0]!);
            assert.equal(dhcpBefore.length, 1, `one DHCP server for web: ${dhcpBefore}`);
            await agent!.kill();
            assert.equal(await httpGet(webIP), "denovirt-guest web");
            await agent!.restart();
            assert.equal(await httpGet(webIP), "denovirt-guest web");
            // The new agent checks an adopted guest's network once: it keeps the running server.
            await eventually(
              "the new agent's check of web's pod network",
              async () =>
                (await agent!.log()).split("\n").some((line) =>
                  line.includes("Adopted guest's pod network checked") &&
                  line.includes(`${ns}/web`)
                ) || undefined,
              60_000,
            );
            assert.deepEqual(await dhcpServerPids(podUids[0]!), dhcpBefore, "web's DHCP server");
            const pod = await launcherPod("web");
            assert.equal(pod?.status?.podIP, webIP);
            const ipam = join(cniPaths(stack.paths).ipamDir, "denovirt");
            const owned = [];
            for await (const entry of Deno.readDir(ipam)) {
              const owner = await Deno.readTextFile(join(ipam, entry.name)).catch(() => "");
              if (podUids.some((uid) => owner.startsWith(uid))) owned.push(entry.name);
            }
            assert.equal(owned.length, podUids.length, `one address per pod: ${owned}`);
          },
        );

        await step(
          "deleting the VMs leaves no namespace, link, DHCP server or address",
          async () => {
            for (const name of ["web", "client", "bridged"]) {
              await rest.delete(virtualMachines, { namespace: ns, name });
            }
            await eventually("the VMIs and launcher pods gone", async () => {
              const vmis = await rest.list(virtualMachineInstances, { namespace: ns });
              const left = await rest.list(pods, { namespace: ns });
              return vmis.items.length === 0 && left.items.length === 0 ? true : undefined;
            }, 120_000);
            const netns = await runChecked("ip", ["netns", "list"]);
            const links = await runChecked("ip", ["-br", "link"]);
            const processes = await runChecked("ps", ["-eo", "args"]);
            for (const uid of podUids) {
              assert.ok(!netns.includes(`dv-${uid}`), `netns of ${uid} left: ${netns}`);
              const { bridge, rootVeth } = vmLinksOf(uid);
              assert.ok(!links.includes(bridge) && !links.includes(rootVeth), links);
              assert.ok(!processes.includes(uid), `a process of ${uid} left`);
              await assert.rejects(Deno.stat(join(agent!.dataDir, "network", uid)));
            }
            const ipam = join(cniPaths(stack.paths).ipamDir, "denovirt");
            for await (const entry of Deno.readDir(ipam)) {
              const owner = await Deno.readTextFile(join(ipam, entry.name)).catch(() => "");
              assert.ok(!podUids.some((uid) => owner.startsWith(uid)), `${entry.name} still held`);
            }
          },
        );
      } catch (error) {
        if (agent) console.error(`agent log:\n${(await agent.log()).slice(-6000)}`);
        throw error;
      } finally {
        await cleanUp(stack, agent, ns);
      }
    });
  },
});

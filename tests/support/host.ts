/**
 * What the agent's integration tests look at on the host, and what they remove: QEMU processes,
 * libvirt domains, and everything a test may leave behind.
 */
import { AGENT_FINALIZER } from "../../api/mod.ts";
import { join } from "node:path";
import { type LibvirtConnection, openLibvirt } from "../../agent/libvirt/mod.ts";
import { leases, nodes, pods, virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { AgentDaemon } from "./agent.ts";
import type { TestStack } from "./stack.ts";
import { adminRest, type Vmi } from "./vmis.ts";

/** PIDs of the processes whose command line (split at NULs) `matches`. */
async function pidsWhere(matches: (args: string[]) => boolean): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (matches(cmdline.split("\0"))) pids.push(pid);
  }
  return pids;
}

/** PIDs of QEMU processes of domain `domain` (`-name guest=<domain>,...` in their command line). */
export function qemuPids(domain: string): Promise<number[]> {
  return pidsWhere((args) => {
    const at = args.indexOf("-name");
    return at >= 0 && args[at + 1]?.split(",")[0] === `guest=${domain}`;
  });
}

/** The dnsmasq processes serving the guest of launcher pod `podUid` (its network state dir). */
export function dhcpServerPids(podUid: string): Promise<number[]> {
  return pidsWhere((args) =>
    args[0] === "dnsmasq" &&
    args.some((a) => a.startsWith("--pid-file=") && a.endsWith(`/network/${podUid}/dnsmasq.pid`))
  );
}

/** The test stack's libvirt, for checks and cleanup. */
export function testLibvirt(stack: TestStack): Promise<LibvirtConnection> {
  return openLibvirt(stack.libvirtUri, { events: false, maxConcurrentCalls: 2 });
}

/** Whether a domain of that name exists. */
export async function domainExists(libvirt: LibvirtConnection, name: string): Promise<boolean> {
  return (await libvirt.list()).some((d) => d.name === name);
}

/**
 * Removes what a test may leave behind: the namespace's VMIs (finalizers released by force when
 * the agent is gone), its domains, the agent's directories, its Node and Lease.
 */
export async function cleanUp(
  stack: TestStack,
  agent: AgentDaemon | undefined,
  namespace: string,
): Promise<void> {
  const rest = adminRest(stack);
  const libvirt = await testLibvirt(stack);
  try {
    await agent?.stop().catch(() => {});
    const list = await rest.list<Vmi>(virtualMachineInstances, { namespace }).catch(() => ({
      items: [],
    }));
    for (const vmi of list.items) {
      const ref = { namespace, name: vmi.metadata.name! };
      if (vmi.metadata.finalizers?.includes(AGENT_FINALIZER)) {
        await rest.patch(virtualMachineInstances, ref, { metadata: { finalizers: [] } }, {
          type: "merge",
        })
          .catch(() => {});
      }
      await rest.delete(virtualMachineInstances, ref).catch(() => {});
    }
    // Without a kubelet or agent, nothing would finish the deletion of the namespace's pods.
    const podList = await rest.list(pods, { namespace }).catch(() => ({ items: [] }));
    for (const pod of podList.items) {
      await rest.delete(pods, { namespace, name: pod.metadata!.name! }, { gracePeriodSeconds: 0 })
        .catch(() => {});
    }
    for (const domain of await libvirt.list()) {
      if (!domain.name.startsWith(`${namespace}_`)) continue;
      await libvirt.destroy(domain.uuid).catch(() => {});
      await libvirt.undefine(domain.uuid).catch(() => {});
    }
    if (agent) {
      // The tests print the agent's log when they fail, before they clean up.
      await Deno.remove(agent.logFile).catch(() => {});
      await Deno.remove(agent.dataDir, { recursive: true }).catch(() => {});
      for await (const entry of Deno.readDir(agent.hostDiskDir)) {
        if (entry.name.startsWith(`${agent.node}-`)) {
          await Deno.remove(join(agent.hostDiskDir, entry.name)).catch(() => {});
        }
      }
      await rest.delete(nodes, { name: agent.node }).catch(() => {});
      await rest.delete(leases, { namespace: "kube-node-lease", name: agent.node }).catch(() => {});
    }
  } finally {
    await libvirt.close();
    rest.close();
  }
}

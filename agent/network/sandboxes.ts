/**
 * Network sandboxes of launcher pods on a node without a kubelet: what a kubelet and its CNI
 * runtime do for a pod, done by the agent. A sandbox is a network namespace attached with the
 * CNI network of the conf dir (written from a template with the Node's pod CIDR when the dir has
 * none) plus loopback. Each is recorded under `<data-dir>/network/<pod uid>/` before anything is
 * made, so an agent that restarts, or `--cleanup`, finds and releases exactly what it made.
 */
import { join } from "node:path";
import type { Pod } from "../../api/mod.ts";
import {
  type CniNetwork,
  ensureConfFromTemplate,
  noNetworkMessage,
  scanConfDir,
} from "./cni/config.ts";
import { addNetwork, type CniExecOptions, type CniRuntime, delNetwork } from "./cni/exec.ts";
import { podIPsOf } from "./cni/result.ts";
import { netnsNameOf, POD_INTERFACE } from "./names.ts";
import { createNetns, deleteNetns, loopbackNetwork, netnsExists, netnsPath } from "./netns.ts";
import { unwireVm } from "./wiring.ts";

/** What the agent made for one launcher pod. */
export interface SandboxRecord {
  podUid: string;
  namespace: string;
  name: string;
  /** The network namespace's name (under /run/netns). */
  netns: string;
  /**
   * The CNI network attached as `eth0`, as it was when attached: DEL tells its plugins even after
   * the conf dir changed (libcni keeps it in its cache for the same reason).
   */
  network?: CniNetwork;
  /** The pod's addresses on the pod network, IPv4 first; empty until attached. */
  ips: string[];
}

/** The sandbox is not ready yet for a reason that passes (no pod CIDR yet). */
export class SandboxNotReady extends Error {}

export interface PodSandboxOptions {
  dataDir: string;
  confDir: string;
  confTemplate: string | undefined;
  binDirs: string[];
  /** The Node's `spec.podCIDR`, undefined until kube-controller-manager allocated one. */
  podCIDR(): Promise<string | undefined>;
}

const RECORD = "sandbox.json";

export class PodSandboxes {
  constructor(private readonly opts: PodSandboxOptions) {}

  /** The directory of one pod's network files (its record, its VM's DHCP server). */
  dirOf(podUid: string): string {
    return join(this.root, podUid);
  }

  private get root(): string {
    return join(this.opts.dataDir, "network");
  }

  private get exec(): CniExecOptions {
    return { binDirs: this.opts.binDirs, cacheDir: join(this.root, "cni-cache") };
  }

  /** The pod's sandbox, attached; made (or completed) when needed. */
  async ensure(pod: Pod): Promise<SandboxRecord> {
    const podUid = pod.metadata?.uid ?? "";
    const known = await this.get(podUid);
    if (known && known.ips.length > 0 && await netnsExists(known.netns)) return known;
    const record: SandboxRecord = {
      podUid,
      namespace: pod.metadata?.namespace ?? "",
      name: pod.metadata?.name ?? "",
      netns: netnsNameOf(podUid),
      ips: [],
    };
    const network = await this.network();
    record.network = network;
    await this.write(record);
    await createNetns(record.netns);
    try {
      // Side by side: `lo` and `eth0` are separate links, and the pod's VM waits for both.
      const [lo, eth0] = await Promise.allSettled([
        addNetwork(loopbackNetwork(), this.runtime(record, "lo"), this.exec),
        addNetwork(network, this.runtime(record, POD_INTERFACE), this.exec),
      ]);
      if (lo.status === "rejected") throw lo.reason;
      if (eth0.status === "rejected") throw eth0.reason;
      record.ips = podIPsOf(eth0.value, POD_INTERFACE);
    } catch (error) {
      // The spec asks for a DEL after a failed ADD; the next pass starts afresh.
      await this.detach(record, network).catch(() => {});
      throw error;
    }
    if (record.ips.length === 0) {
      throw new Error(
        `CNI network ${network.name} gave pod ${podUid} no address on ${POD_INTERFACE}`,
      );
    }
    await this.write(record);
    return record;
  }

  /** The recorded sandbox of a pod, if any. */
  async get(podUid: string): Promise<SandboxRecord | undefined> {
    if (!podUid) return undefined;
    try {
      return JSON.parse(await Deno.readTextFile(join(this.dirOf(podUid), RECORD))) as SandboxRecord;
    } catch {
      return undefined;
    }
  }

  /** Every recorded sandbox. */
  async recorded(): Promise<SandboxRecord[]> {
    const records: SandboxRecord[] = [];
    try {
      for await (const entry of Deno.readDir(this.root)) {
        const record = entry.isDirectory ? await this.get(entry.name) : undefined;
        if (record) records.push(record);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return records;
  }

  /** Every recorded sandbox, read at once (the controllers' seed keys are synchronous). */
  recordedSync(): SandboxRecord[] {
    const records: SandboxRecord[] = [];
    try {
      for (const entry of Deno.readDirSync(this.root)) {
        if (!entry.isDirectory) continue;
        try {
          records.push(JSON.parse(Deno.readTextFileSync(join(this.dirOf(entry.name), RECORD))));
        } catch {
          // Not a sandbox's directory (the CNI result cache), or one being written.
        }
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return records;
  }

  /** Removes everything of the pod's sandbox: its VM's wiring, CNI attachments, namespace. */
  async release(podUid: string): Promise<void> {
    const record = await this.get(podUid);
    const dir = this.dirOf(podUid);
    await unwireVm(podUid, record?.netns, dir);
    if (record) await this.detach(record, record.network);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }

  private async detach(record: SandboxRecord, network: CniNetwork | undefined): Promise<void> {
    // Recorded before anything was made: without one, no plugin ran for this pod but loopback.
    if (network) await delNetwork(network, this.runtime(record, POD_INTERFACE), this.exec);
    await delNetwork(loopbackNetwork(), this.runtime(record, "lo"), this.exec);
    await deleteNetns(record.netns);
  }

  private runtime(record: SandboxRecord, ifName: string): CniRuntime {
    return {
      containerId: record.podUid,
      netns: netnsPath(record.netns),
      ifName,
      podNamespace: record.namespace,
      podName: record.name,
      podUid: record.podUid,
    };
  }

  /** The CNI network of the conf dir, written from the template first if the dir has none. */
  private async network(): Promise<CniNetwork> {
    let scan = await scanConfDir(this.opts.confDir);
    if (!scan.network && this.opts.confTemplate) {
      const podCIDR = await this.opts.podCIDR();
      if (!podCIDR) {
        throw new SandboxNotReady("The node has no spec.podCIDR yet for the pod network");
      }
      await ensureConfFromTemplate(this.opts.confDir, this.opts.confTemplate, podCIDR);
      scan = await scanConfDir(this.opts.confDir);
    }
    if (!scan.network) throw new Error(noNetworkMessage(this.opts.confDir, scan.skipped));
    return scan.network;
  }

  private async write(record: SandboxRecord): Promise<void> {
    const dir = this.dirOf(record.podUid);
    await Deno.mkdir(dir, { recursive: true });
    const temp = join(dir, `.${RECORD}.tmp`);
    await Deno.writeTextFile(temp, JSON.stringify(record));
    await Deno.rename(temp, join(dir, RECORD));
  }
}

/** The conditions every figure is measured under: machine, virtualisation and versions. */
import { cpus, totalmem } from "node:os";
import denoJson from "../deno.json" with { type: "json" };
import { run } from "../lib/exec.ts";
import { ensureKubeBinaries } from "../stack/kube_binaries.ts";
import { virsh } from "../stack/libvirt_daemon.ts";
import { pkiFiles } from "../stack/pki.ts";
import { httpsClient } from "../stack/readiness.ts";
import type { RunningStack } from "../stack/up.ts";
import { KUBERNETES_VERSION } from "../stack/versions.ts";

export interface Conditions {
  cpus: number;
  cpu_model: string;
  memory_gib: number;
  kernel: string;
  /** 1, 5 and 15 minute load averages when the bench started: how busy the machine was. */
  load_average_at_start: number[];
  virtualization: "KVM" | "TCG";
  denovirt: string;
  deno: string;
  kubernetes: string;
  etcd: string;
  etcd_fsync: boolean;
  libvirt: string;
  qemu: string;
  /** Roles the bench started because the stack did not yet (see bench/roles.ts). */
  roles_started_by_bench: string[];
}

/** libvirt's and QEMU's versions from `virsh version`. */
export function versionsOfVirsh(text: string): { libvirt: string; qemu: string } {
  const libvirt = /Using library: libvirt (\S+)/.exec(text)?.[1] ?? "unknown";
  const qemu = /Running hypervisor: QEMU (\S+)/.exec(text)?.[1] ?? "unknown";
  return { libvirt, qemu };
}

/** Gathers the conditions of a run on `stack`. */
export async function gatherConditions(
  stack: RunningStack,
  rolesStartedByBench: string[],
  loadAtStart: number[],
): Promise<Conditions> {
  const virt = versionsOfVirsh((await virsh(stack.libvirtUri, ["version"])).stdout);
  const bins = await ensureKubeBinaries();
  const etcd = /etcd Version: (\S+)/.exec((await run(bins.etcd, ["--version"])).stdout)?.[1];
  const cpuList = cpus();
  return {
    cpus: cpuList.length,
    cpu_model: cpuList[0]?.model?.trim() ?? "unknown",
    memory_gib: Math.round(totalmem() / 2 ** 30),
    kernel: Deno.osRelease(),
    load_average_at_start: loadAtStart.map((l) => Math.round(l * 100) / 100),
    virtualization: stack.kvm ? "KVM" : "TCG",
    denovirt: denoJson.version,
    deno: Deno.version.deno,
    kubernetes: await kubernetesVersion(stack),
    etcd: etcd ?? "unknown",
    etcd_fsync: Deno.env.get("DENOVIRT_ETCD_NO_FSYNC") !== "1",
    libvirt: virt.libvirt,
    qemu: virt.qemu,
    roles_started_by_bench: rolesStartedByBench,
  };
}

/**
 * The API server's version: the one it reports, or the pinned one when it reports none (built
 * from the module proxy without version stamps, it says `v0.0.0-master`).
 */
export function kubernetesVersionOf(reported: string): string {
  if (/^v\d+\.\d+\.\d+/.test(reported) && !reported.startsWith("v0.0.0")) return reported;
  return `v${KUBERNETES_VERSION} (pinned; the binary reports ${reported || "nothing"})`;
}

async function kubernetesVersion(stack: RunningStack): Promise<string> {
  const pki = pkiFiles(stack.paths.pki);
  const client = await httpsClient({
    caFile: pki.caCert,
    certFile: pki.cert("admin"),
    keyFile: pki.key("admin"),
  });
  try {
    const response = await fetch(`${stack.server}/version`, { client });
    const reported = ((await response.json()) as { gitVersion?: string }).gitVersion ?? "";
    return kubernetesVersionOf(reported);
  } catch {
    return "unknown";
  } finally {
    client.close();
  }
}

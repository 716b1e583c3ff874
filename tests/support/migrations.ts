/**
 * Helpers of the live-migration tests and bench (this file holds no tests): a migratable fixture VM
 * on the pod network, HTTP probes of its guest with a deadline, a poller that counts failed
 * requests while a VM moves, a record of every version of a namespace's migrations (a watch: a
 * cancelled migration is deleted right after it ends), the domains a node's libvirt holds, and the
 * `migrations` setting (or any other) changed for the length of a test.
 */
import { Watch } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import {
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  MIGRATIONS_KEY,
  type VMIM,
} from "../../api/mod.ts";
import { runChecked } from "../../lib/exec.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { configMaps, pods, virtualMachines } from "../../lib/kube/resources.ts";
import type { Pod } from "../../api/mod.ts";
import { eventually } from "./stack.ts";

/**
 * A VM that live-migrates: a containerDisk and cloud-init (copied with the guest, made again on
 * the target), masquerade on the pod network serving HTTP on port 80, no node pinned.
 */
export function migratableVm(name: string, image: string, userData: string, memory = "128Mi") {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name },
    spec: {
      runStrategy: "Always",
      template: {
        metadata: { labels: { app: name } },
        spec: {
          domain: {
            resources: { requests: { memory } },
            devices: {
              disks: [
                { name: "containerdisk", disk: { bus: "virtio" } },
                { name: "cloudinitdisk", disk: { bus: "virtio" } },
              ],
              interfaces: [{ name: "default", masquerade: {}, ports: [{ port: 80 }] }],
            },
          },
          networks: [{ name: "default", pod: {} }],
          volumes: [
            { name: "containerdisk", containerDisk: { image } },
            { name: "cloudinitdisk", cloudInitNoCloud: { userData } },
          ],
          terminationGracePeriodSeconds: 2,
        },
      },
    },
  };
}

/**
 * User data that writes a random token the guest made into a file its httpd serves (`/token`):
 * the same token after a move proves the guest kept its memory (a reboot would make a new one).
 * Before that it writes `DISK-WRITE-<token>` near the end of its first disk and syncs.
 * `busy` adds a loop that keeps dirtying memory with random bytes, so a migration cannot converge.
 */
export function tokenUserData(busy = false): string {
  const lines = [
    "#!/bin/sh",
    "token=$(cat /proc/sys/kernel/random/uuid)",
    // Near the end of the containerDisk (its overlay): only a disk copy brings it to the target.
    "size=$(cat /sys/class/block/vda/size)",
    'printf "DISK-WRITE-$token" | dd of=/dev/vda bs=512 seek=$((size - 64)) conv=notrunc 2>/dev/null',
    "sync",
    "mkdir -p /www",
    'echo "$token" > /www/token',
  ];
  if (busy) {
    lines.push(
      "( while :; do dd if=/dev/urandom of=/tmp/busy bs=1M count=24 2>/dev/null; done ) &",
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * The body of `GET <path>` on ip:80, or a throw after `timeoutMs` (the connect included: one to an
 * address nobody answers would wait for SYN retries). A new connection each time.
 */
export async function httpGet(ip: string, path = "/", timeoutMs = 2_000): Promise<string> {
  const response = await fetch(`http://${ip}${path}`, {
    headers: { connection: "close" },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`HTTP from ${ip}${path}: ${response.status}`);
  return body.trim();
}

/** What a poller saw. */
export interface PollCount {
  ok: number;
  failed: number;
  /** Milliseconds from the first failed request to the last one (0: none failed). */
  failingMs: number;
}

/** GETs `path` from `address()` every `everyMs` until stopped, counting answers and failures. */
export function pollHttp(address: () => string, path = "/", everyMs = 100) {
  const count: PollCount = { ok: 0, failed: 0, failingMs: 0 };
  let first = 0;
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const started = Date.now();
      try {
        await httpGet(address(), path, 1_000);
        count.ok++;
      } catch {
        count.failed++;
        if (!first) first = started;
        count.failingMs = Date.now() - first;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))));
    }
  })();
  return {
    count,
    async stop(): Promise<PollCount> {
      stopped = true;
      await running;
      return count;
    },
  };
}

/** Every version of the namespace's migrations a watch delivered, by name (deletions included). */
export async function recordMigrations(kc: KubeConfig, namespace: string) {
  const seen = new Map<string, VMIM[]>();
  const deleted = new Set<string>();
  const path = `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstancemigrations`;
  const request = await new Watch(kc).watch(path, {}, (type: string, object: VMIM) => {
    const name = object.metadata.name ?? "";
    seen.set(name, [...seen.get(name) ?? [], object]);
    if (type === "DELETED") deleted.add(name);
  }, () => {});
  return {
    /** The versions of `name` seen so far, oldest first. */
    versions: (name: string) => seen.get(name) ?? [],
    names: () => [...seen.keys()],
    wasDeleted: (name: string) => deleted.has(name),
    stop: () => request.abort(),
  };
}

/** The names of the domains (active or defined) a libvirtd holds. */
export async function domainsOn(libvirtUri: string): Promise<string[]> {
  const out = await runChecked("virsh", ["-c", libvirtUri, "list", "--all", "--name"]);
  return out.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

/** Runs `fn` with ConfigMap denovirt-config's `migrations` set to `value`, restoring it after. */
export function withMigrationSettings<T>(
  rest: RestClient,
  value: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  return withSetting(rest, MIGRATIONS_KEY, JSON.stringify(value), fn);
}

/** Runs `fn` with key `key` of ConfigMap denovirt/denovirt-config set to `value`, restoring it. */
export async function withSetting<T>(
  rest: RestClient,
  key: string,
  value: string,
  fn: () => Promise<T>,
): Promise<T> {
  const ref = { namespace: DENOVIRT_NAMESPACE, name: DENOVIRT_CONFIG_MAP };
  const config = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, ref);
  const before = config.data?.[key] ?? null;
  const patch = (v: string | null) =>
    rest.patch(configMaps, ref, { data: { [key]: v } }, { type: "merge" });
  await patch(value);
  try {
    return await fn();
  } finally {
    await patch(before);
  }
}

/**
 * Delete the VMs `names` and wait until no launcher pod is left in `namespace`, so that their
 * guests are gone before an extra node is removed under them.
 */
export async function deleteVmsAndWait(
  rest: RestClient,
  namespace: string,
  names: string[],
): Promise<void> {
  for (const name of names) {
    await rest.delete(virtualMachines, { namespace, name }).catch(() => {});
  }
  await eventually(
    "the VMs' launcher pods to go",
    async () => (await rest.list<Pod>(pods, { namespace })).items.length === 0 || undefined,
    120_000,
  );
}

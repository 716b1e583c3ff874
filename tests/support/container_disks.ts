/**
 * Helpers of the containerDisk tests (this file holds no tests): VMs booting from a containerDisk
 * on a test node, broken images to publish, the agent's image cache as the tests inspect it, and
 * the insecure-registry setting they change and restore.
 */
import { join } from "node:path";
import { DENOVIRT_CONFIG_MAP, DENOVIRT_NAMESPACE, INSECURE_REGISTRIES_KEY } from "../../api/mod.ts";
import { runChecked } from "../../lib/exec.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { configMaps } from "../../lib/kube/resources.ts";
import { type ImageLayout, writeImageLayout } from "../../stack/images/layout.ts";
import { containerDiskEntries, type TarEntry } from "../../stack/images/tar.ts";
import { type AgentDaemon, TEST_TAINT_KEY } from "./agent.ts";

export interface ContainerDiskVmOptions {
  imagePullSecret?: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** A `#!/bin/sh` script the fixture's init runs from the cloud-init disk. */
  userData?: string;
}

/** KubeVirt's vm-cirros shape: a containerDisk and a cloud-init disk, on the test's node. */
export function containerDiskVm(
  name: string,
  node: string,
  image: string,
  options: ContainerDiskVmOptions = {},
) {
  const { userData, ...source } = options;
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name },
    spec: {
      runStrategy: "Always",
      template: {
        spec: {
          nodeSelector: { "kubernetes.io/hostname": node },
          tolerations: [{ key: TEST_TAINT_KEY, operator: "Exists" }],
          domain: {
            resources: { requests: { memory: "96Mi" } },
            devices: {
              disks: [
                { name: "containerdisk", disk: { bus: "virtio" } },
                ...(userData ? [{ name: "cloudinitdisk", disk: { bus: "virtio" } }] : []),
              ],
            },
          },
          volumes: [
            { name: "containerdisk", containerDisk: { image, ...source } },
            ...(userData ? [{ name: "cloudinitdisk", cloudInitNoCloud: { userData } }] : []),
          ],
          terminationGracePeriodSeconds: 2,
        },
      },
    },
  };
}

/** A `kubernetes.io/dockerconfigjson` Secret for one registry. */
export function pullSecret(name: string, registry: string, username: string, password: string) {
  const config = { auths: { [registry]: { auth: btoa(`${username}:${password}`) } } };
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name },
    type: "kubernetes.io/dockerconfigjson",
    stringData: { ".dockerconfigjson": JSON.stringify(config) },
  };
}

/** Images that must never reach the cache, as layout directories under `dir`. */
export async function brokenImages(dir: string): Promise<Record<string, ImageLayout>> {
  const small = new Uint8Array(1 << 20);
  const file = (name: string, bytes: Uint8Array): TarEntry => ({
    type: "file",
    name,
    size: bytes.length,
    content: { bytes },
  });
  const backed = join(dir, "backed.qcow2");
  await runChecked("qemu-img", [
    "create",
    "-q",
    "-f",
    "qcow2",
    "-F",
    "raw",
    "-b",
    "/etc/hostname",
    backed,
    "64M",
  ]);
  const layout = (name: string, entries: TarEntry[]) =>
    writeImageLayout({ dir: join(dir, name), entries, tag: "v1" });
  return {
    "two-files": await layout("two-files", [
      { type: "directory", name: "disk/" },
      file("disk/a.img", small),
      file("disk/b.img", small),
    ]),
    "backing-file": await layout(
      "backing-file",
      containerDiskEntries("backed.qcow2", (await Deno.stat(backed)).size, { path: backed }),
    ),
    "climbs-out": await layout("climbs-out", [
      { type: "directory", name: "disk/" },
      file("disk/disk.img", small),
      file("../escaped.img", small),
    ]),
  };
}

/** What the agent's image cache holds: entries, pulls in progress, leases by entry. */
export async function cacheOf(agent: AgentDaemon) {
  const root = join(agent.dataDir, "images");
  const names = async (dir: string) => {
    try {
      return (await Array.fromAsync(Deno.readDir(join(root, dir)))).map((e) => e.name).sort();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  };
  const leases: Record<string, string[]> = {};
  for (const entry of await names("leases")) leases[entry] = await names(join("leases", entry));
  return { root, entries: await names("sha256"), tmp: await names("tmp"), leases };
}

/** Runs `fn` with `hosts` added to the insecure registries, restoring the setting afterwards. */
export async function withInsecureRegistries<T>(
  rest: RestClient,
  hosts: string[],
  fn: () => Promise<T>,
): Promise<T> {
  const ref = { namespace: DENOVIRT_NAMESPACE, name: DENOVIRT_CONFIG_MAP };
  const config = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, ref);
  const before = config.data?.[INSECURE_REGISTRIES_KEY] ?? "";
  const patch = (value: string) =>
    rest.patch(configMaps, ref, { data: { [INSECURE_REGISTRIES_KEY]: value } }, {
      type: "merge",
    });
  await patch(`${before.trimEnd()}\n${hosts.join("\n")}\n`);
  try {
    return await fn();
  } finally {
    await patch(before);
  }
}

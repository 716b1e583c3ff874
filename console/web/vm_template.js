// The VM the create form describes, as KubeVirt's examples write one. No DOM: unit-tested.

/** `#cloud-config` user data: what the user wrote, the hostname, and the SSH key. */
export function userDataOf(name, userData, sshKey) {
  const key = sshKey.trim();
  const data = userData.trim()
    ? userData.replace(/\s*$/, "\n")
    : `#cloud-config\nhostname: ${name}\n`;
  if (!key) return data;
  if (!data.startsWith("#cloud-config")) {
    throw new Error("An SSH key needs #cloud-config user data: add it there, or leave it empty");
  }
  return `${data}ssh_authorized_keys:\n  - ${JSON.stringify(key)}\n`;
}

/** A containerDisk for an image reference, a DataVolume import for an http(s) URL. */
function rootDisk(name, source) {
  if (!/^https?:\/\//.test(source)) {
    return { volume: { name: "rootdisk", containerDisk: { image: source } } };
  }
  const dv = `${name}-rootdisk`;
  return {
    volume: { name: "rootdisk", dataVolume: { name: dv } },
    template: {
      metadata: { name: dv },
      spec: {
        source: { http: { url: source } },
        storage: { resources: { requests: { storage: "2Gi" } } },
      },
    },
  };
}

/**
 * The VirtualMachine of the form's fields (strings, as the form gives them).
 * @param {{ name: string, namespace: string, source: string, cpu: string, memory: string,
 *   userData?: string, sshKey?: string }} fields
 * @returns {any}
 */
export function vmFromForm({ name, namespace, source, cpu, memory, userData = "", sshKey = "" }) {
  const disk = rootDisk(name, source.trim());
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name, namespace },
    spec: {
      runStrategy: "Always",
      ...(disk.template ? { dataVolumeTemplates: [disk.template] } : {}),
      template: {
        metadata: { labels: { "kubevirt.io/vm": name } },
        spec: {
          domain: {
            cpu: { cores: Number(cpu) },
            memory: { guest: memory },
            devices: {
              disks: [
                { name: "rootdisk", disk: { bus: "virtio" } },
                { name: "cloudinitdisk", disk: { bus: "virtio" } },
              ],
              interfaces: [{ name: "default", masquerade: {} }],
            },
          },
          networks: [{ name: "default", pod: {} }],
          volumes: [
            disk.volume,
            {
              name: "cloudinitdisk",
              cloudInitNoCloud: { userData: userDataOf(name, userData, sshKey) },
            },
          ],
        },
      },
    },
  };
}

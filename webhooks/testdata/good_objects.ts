// Good objects in KubeVirt's format, the base of the webhook tests' good and bad cases.

// Fixtures poke anywhere in an object.
// deno-lint-ignore no-explicit-any
export type Json = Record<string, any>;

export function goodVm(): Json {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name: "web", namespace: "default" },
    spec: {
      runStrategy: "Always",
      dataVolumeTemplates: [{
        metadata: { name: "web-root" },
        spec: {
          source: { http: { url: "https://images.example.com/fedora.qcow2" } },
          storage: { resources: { requests: { storage: "10Gi" } } },
        },
      }],
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          domain: {
            cpu: { cores: 2 },
            memory: { guest: "1Gi" },
            devices: {
              disks: [
                { name: "root", disk: { bus: "virtio" }, bootOrder: 1 },
                { name: "cloudinit", disk: { bus: "virtio" } },
              ],
              interfaces: [{ name: "default", masquerade: {} }],
            },
          },
          networks: [{ name: "default", pod: {} }],
          volumes: [
            { name: "root", dataVolume: { name: "web-root" } },
            { name: "cloudinit", cloudInitNoCloud: { userData: "#cloud-config\nhostname: web\n" } },
          ],
        },
      },
    },
  };
}

export function goodVmi(): Json {
  const template = goodVm().spec.template;
  template.spec.volumes[0] = { name: "root", persistentVolumeClaim: { claimName: "web-root" } };
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: template.spec,
  };
}

export function goodReplicaSet(): Json {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceReplicaSet",
    metadata: { name: "workers", namespace: "default" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "workers" } },
      template: {
        metadata: { labels: { app: "workers" } },
        spec: {
          domain: { memory: { guest: "256Mi" }, devices: {} },
          // Each replica boots from its own overlay of one golden claim.
          volumes: [{
            name: "root",
            ephemeral: { persistentVolumeClaim: { claimName: "workers-golden" } },
          }],
        },
      },
    },
  };
}

export function goodDataVolume(): Json {
  return {
    apiVersion: "cdi.kubevirt.io/v1beta1",
    kind: "DataVolume",
    metadata: { name: "fedora", namespace: "default" },
    spec: {
      source: { http: { url: "https://images.example.com/fedora.qcow2" } },
      pvc: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "6Gi" } } },
    },
  };
}

/** A well-formed migration of the VMI `vmiName`. */
export function goodMigration(vmiName = "web"): Json {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: { name: "move-it", namespace: "default" },
    spec: { vmiName },
  };
}

/** The hostDisk directory the table's webhooks allow. */
export const ALLOWED_DIR = "/var/lib/denovirt/disks";

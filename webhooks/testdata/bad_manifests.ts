// Bad variants of the good objects that the webhooks must refuse, each with the field path (and
// words) the refusal has to name.
import {
  ALLOWED_DIR,
  goodDataVolume,
  goodReplicaSet,
  goodVm,
  goodVmi,
  type Json,
} from "./good_objects.ts";

export interface BadManifest {
  name: string;
  object: Json;
  /** Strings the refusal message must contain; the first one is the field path. */
  expect: string[];
}

const T = "spec.template.spec";

function vm(edit: (vm: Json) => void): Json {
  const object = goodVm();
  edit(object);
  return object;
}

function with_<T extends Json>(object: T, edit: (o: T) => void): T {
  edit(object);
  return object;
}

export const BAD_MANIFESTS: BadManifest[] = [
  {
    name: "a disk without a volume",
    object: vm((o) => (o.spec.template.spec.domain.devices.disks[1].name = "data")),
    expect: [`${T}.domain.devices.disks[1].name`, '"data" has no matching volume'],
  },
  {
    name: "two disks with one name",
    object: vm((o) => o.spec.template.spec.domain.devices.disks.push({ name: "root", cdrom: {} })),
    expect: [`${T}.domain.devices.disks[2].name`, "Duplicate value"],
  },
  {
    name: "two volumes with one name",
    object: vm((o) => (o.spec.template.spec.volumes[1].name = "root")),
    expect: [`${T}.volumes[1].name`, "Duplicate value"],
  },
  {
    name: "an interface without a network",
    object: vm((o) => (o.spec.template.spec.networks[0].name = "other")),
    expect: [`${T}.domain.devices.interfaces[0].name`, "has no matching network"],
  },
  {
    name: "a network without an interface",
    object: vm((o) =>
      o.spec.template.spec.networks.push({ name: "extra", multus: { networkName: "br1" } })
    ),
    expect: [`${T}.networks[1].name`, "has no matching interface"],
  },
  {
    name: "running and runStrategy together",
    object: vm((o) => (o.spec.running = true)),
    expect: ["spec.running", "must not be set together with runStrategy"],
  },
  {
    name: "an unknown field in a disk",
    object: vm((o) => (o.spec.template.spec.domain.devices.disks[0].floppy = {})),
    expect: [`${T}.domain.devices.disks[0].floppy`, "unknown field"],
  },
  {
    name: "a misspelt runStrategy",
    object: vm((o) => {
      delete o.spec.runStrategy;
      o.spec.runStartegy = "Always";
    }),
    expect: ["spec.runStartegy", "unknown field"],
  },
  {
    name: "a memory request below KubeVirt's 1M minimum",
    object: vm((o) => (o.spec.template.spec.domain.resources = { requests: { memory: "512Ki" } })),
    expect: [`${T}.domain.resources.requests.memory`, "must be greater than or equal to 1M"],
  },
  {
    name: "a memory limit below the request",
    object: vm((
      o,
    ) => (o.spec.template.spec.domain.resources = {
      requests: { memory: "2Gi" },
      limits: { memory: "1Gi" },
    })),
    expect: [`${T}.domain.resources.requests.memory`, "is greater than the limit"],
  },
  {
    name: "a CPU limit below the request",
    object: vm((
      o,
    ) => (o.spec.template.spec.domain.resources = {
      requests: { cpu: "2" },
      limits: { cpu: "500m" },
    })),
    expect: [`${T}.domain.resources.requests.cpu`, "is greater than the limit"],
  },
  {
    name: "a quantity that does not parse",
    object: vm((o) => (o.spec.template.spec.domain.memory.guest = "lots")),
    expect: [`${T}.domain.memory.guest`, "must be a Kubernetes quantity"],
  },
  {
    name: "a misspelt resource name",
    object: vm((o) => (o.spec.template.spec.domain.resources = { requests: { memroy: "1Gi" } })),
    expect: [`${T}.domain.resources.requests.memroy`, "not supported by denovirt"],
  },
  {
    name: "a volume with two sources",
    object: vm((o) => (o.spec.template.spec.volumes[0].emptyDisk = { capacity: "1Gi" })),
    expect: [`${T}.volumes[0]`, "must set only one volume source"],
  },
  {
    name: "a volume without a source",
    object: vm((o) => (o.spec.template.spec.volumes[1] = { name: "cloudinit" })),
    expect: [`${T}.volumes[1]`, "must set one volume source"],
  },
  {
    name: "an interface with two bindings",
    object: vm((o) => (o.spec.template.spec.domain.devices.interfaces[0].bridge = {})),
    expect: [`${T}.domain.devices.interfaces[0]`, "must set only one interface binding"],
  },
  {
    name: "an interface without a binding",
    object: vm((o) => (o.spec.template.spec.domain.devices.interfaces[0] = { name: "default" })),
    expect: [`${T}.domain.devices.interfaces[0]`, "must set one interface binding"],
  },
  {
    name: "one boot order for two devices",
    object: vm((o) => (o.spec.template.spec.domain.devices.disks[1].bootOrder = 1)),
    expect: [`${T}.domain.devices.disks[1].bootOrder`, "Duplicate value: 1"],
  },
  {
    name: "cloud-init user data over 2 KiB",
    object: vm((
      o,
    ) => (o.spec.template.spec.volumes[1].cloudInitNoCloud.userData = "#cloud-config\n" +
      "x".repeat(2100))
    ),
    expect: [`${T}.volumes[1].cloudInitNoCloud.userData`, "over the limit of 2048 bytes"],
  },
  {
    name: "cloud-init user data that is not base64",
    object: vm((
      o,
    ) => (o.spec.template.spec.volumes[1].cloudInitNoCloud = { userDataBase64: "not base64!" })),
    expect: [`${T}.volumes[1].cloudInitNoCloud.userDataBase64`, "is not valid base64"],
  },
  {
    name: "a containerDisk image that is not an image reference",
    object: vm((
      o,
    ) => (o.spec.template.spec.volumes[0] = {
      name: "root",
      containerDisk: { image: "Quay.io/Fedora:40 " },
    })),
    expect: [`${T}.volumes[0].containerDisk.image`, "Invalid image name"],
  },
  {
    name: "a hostDisk path with ..",
    object: vm((
      o,
    ) => (o.spec.template.spec.volumes[0] = {
      name: "root",
      hostDisk: { path: `${ALLOWED_DIR}/../../etc/shadow`, type: "Disk" },
    })),
    expect: [`${T}.volumes[0].hostDisk.path`, 'must not contain ".." segments'],
  },
  {
    name: "a hostDisk outside the allowed directories",
    object: vm((
      o,
    ) => (o.spec.template.spec.volumes[0] = {
      name: "root",
      hostDisk: { path: "/etc/disk.img", type: "Disk" },
    })),
    expect: [
      `${T}.volumes[0].hostDisk.path`,
      "is not inside a directory allowed for hostDisk volumes",
    ],
  },
  {
    name: "an SR-IOV interface",
    object: vm((
      o,
    ) => (o.spec.template.spec.domain.devices.interfaces[0] = { name: "default", sriov: {} })),
    expect: [`${T}.domain.devices.interfaces[0].sriov`, "not supported by denovirt"],
  },
  {
    name: "a GPU",
    object: vm((
      o,
    ) => (o.spec.template.spec.domain.devices.gpus = [{
      name: "gpu1",
      deviceName: "nvidia.com/TU104GL",
    }])),
    expect: [`${T}.domain.devices.gpus`, "not supported by denovirt"],
  },
  {
    name: "dedicated CPU placement",
    object: vm((o) => (o.spec.template.spec.domain.cpu.dedicatedCpuPlacement = true)),
    expect: [`${T}.domain.cpu.dedicatedCpuPlacement`, "not supported by denovirt"],
  },
  {
    name: "an instance type that does not exist",
    object: vm((o) => (o.spec.instancetype = { name: "u9.huge" })),
    expect: ["spec.instancetype", "Failure to find instancetype"],
  },
  {
    name: "an instance type inferred from a volume",
    object: vm((o) => (o.spec.instancetype = { inferFromVolume: "root" })),
    expect: ["spec.instancetype.inferFromVolume", "not supported by denovirt"],
  },
  {
    name: "a preference of an unknown kind",
    object: vm((o) => (o.spec.preference = { kind: "VirtualMachineFlavor", name: "fedora" })),
    expect: ["spec.preference.kind", "got unexpected kind in PreferenceMatcher"],
  },
  {
    name: "a machine type other than q35",
    object: vm((o) => (o.spec.template.spec.domain.machine = { type: "pc-i440fx-8.2" })),
    expect: [`${T}.domain.machine.type`, "is not supported"],
  },
  {
    name: "masquerade on a multus network",
    object: vm((
      o,
    ) => (o.spec.template.spec.networks[0] = { name: "default", multus: { networkName: "br1" } })),
    expect: [`${T}.domain.devices.interfaces[0].masquerade`, "only works with the pod network"],
  },
  {
    name: "a malformed MAC address",
    object: vm((
      o,
    ) => (o.spec.template.spec.domain.devices.interfaces[0].macAddress = "02:00:00:zz:00:01")),
    expect: [`${T}.domain.devices.interfaces[0].macAddress`, "is not a MAC address"],
  },
  {
    name: "a dataVolumeTemplate no volume uses",
    object: vm((
      o,
    ) => (o.spec.template.spec.volumes[0] = {
      name: "root",
      persistentVolumeClaim: { claimName: "other" },
    })),
    expect: ["spec.dataVolumeTemplates[0].metadata.name", "is not used by any dataVolume volume"],
  },
  {
    name: "a dataVolumeTemplate importing over ftp",
    object: vm((
      o,
    ) => (o.spec.dataVolumeTemplates[0].spec.source.http.url = "ftp://images.example.com/f.qcow2")),
    expect: ["spec.dataVolumeTemplates[0].spec.source.http.url", "must be an http or https URL"],
  },
  {
    name: "a VMI without memory",
    object: with_(goodVmi(), (o) => delete o.spec.domain.memory),
    expect: ["spec.domain.memory.guest", "no memory requested"],
  },
  {
    name: "a VMI that sets a reserved label",
    object: with_(goodVmi(), (o) => (o.metadata.labels["kubevirt.io/nodeName"] = "node01")),
    expect: ["metadata.labels[kubevirt.io/nodeName]", "is reserved"],
  },
  {
    name: "a replica set whose selector misses its template",
    object: with_(goodReplicaSet(), (o) => (o.spec.selector.matchLabels.app = "other")),
    expect: ["spec.selector", "selector does not match labels: spec.template.metadata.labels"],
  },
  {
    name: "a DataVolume with two sources",
    object: with_(goodDataVolume(), (o) => (o.spec.source.blank = {})),
    expect: ["spec.source", "must set only one data volume source"],
  },
  {
    name: "a DataVolume from S3",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source = { s3: { url: "https://s3.example.com/b/disk.img" } }),
    ),
    expect: ["spec.source.s3", "not supported by denovirt"],
  },
  {
    name: "a DataVolume from a registry URL of another scheme",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source = { registry: { url: "https://quay.io/x/y" } }),
    ),
    expect: ["spec.source.registry.url", "must be a docker:// URL, not https"],
  },
  {
    name: "a DataVolume from an OCI archive",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source = { registry: { url: "oci-archive:///tmp/image.tar" } }),
    ),
    expect: ["spec.source.registry.url", "not supported by denovirt"],
  },
  {
    name: "a DataVolume from a registry image that does not parse",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source = { registry: { url: "docker://quay.io/X/y" } }),
    ),
    expect: ["spec.source.registry.url", 'Invalid image name "quay.io/X/y"'],
  },
  {
    name: "a DataVolume from a registry without a URL",
    object: with_(goodDataVolume(), (o) => (o.spec.source = { registry: {} })),
    expect: ["spec.source.registry.url", "Required value"],
  },
  {
    name: "a DataVolume from an image stream",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source = { registry: { imageStream: "fedora", pullMethod: "node" } }),
    ),
    expect: ["spec.source.registry.imageStream", "not supported by denovirt"],
  },
  {
    name: "a DataVolume from a registry image for arm64",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source = {
        registry: { url: "docker://quay.io/x/y", platform: { architecture: "arm64" } },
      }),
    ),
    expect: ["spec.source.registry.platform.architecture", "not supported by denovirt"],
  },
  {
    name: "a DataVolume without a size",
    object: with_(goodDataVolume(), (o) => delete o.spec.pvc.resources),
    expect: ["spec.pvc.resources.requests.storage", "Required value"],
  },
  {
    name: "a DataVolume importing from a file URL",
    object: with_(goodDataVolume(), (o) => (o.spec.source.http.url = "file:///etc/passwd")),
    expect: ["spec.source.http.url", "must be an http or https URL"],
  },
  {
    name: "a DataVolume with credentials in its URL",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source.http.url = "https://user:secret@images.example.com/d.qcow2"),
    ),
    expect: ["spec.source.http.url", "must not carry credentials"],
  },
  {
    name: "a DataVolume with a malformed extra header",
    object: with_(goodDataVolume(), (o) => (o.spec.source.http.extraHeaders = ["no colon"])),
    expect: ["spec.source.http.extraHeaders[0]", "Name: value"],
  },
  {
    name: "a DataVolume importing an archive",
    object: with_(goodDataVolume(), (o) => (o.spec.contentType = "archive")),
    expect: ["spec.contentType", "not supported by denovirt"],
  },
  {
    name: "a DataVolume asking for a block volume",
    object: with_(goodDataVolume(), (o) => (o.spec.pvc.volumeMode = "Block")),
    expect: ["spec.pvc.volumeMode", "not supported by denovirt"],
  },
  {
    name: "a DataVolume cloning a claim of another namespace",
    object: with_(
      goodDataVolume(),
      (o) => (o.spec.source = { pvc: { namespace: "elsewhere", name: "golden" } }),
    ),
    expect: ["spec.source.pvc.namespace", "clones only within the DataVolume's namespace"],
  },
];

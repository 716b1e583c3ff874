/**
 * The launcher pod of a VMI: a placeholder that holds the VMI's place and resources on a node
 * (the node's agent runs the guest in the node's one libvirtd, not in the pod). Pure.
 */
import { createHash } from "node:crypto";
import {
  CREATED_BY_LABEL,
  DEFAULT_CONTAINER_ANNOTATION,
  DEFAULT_GRACE_PERIOD_SECONDS,
  DEFAULT_LAUNCHER_IMAGE,
  DOMAIN_ANNOTATION,
  DOMAIN_LABEL,
  GUEST_CONSOLE_LOG_CONTAINER,
  KUBEVIRT_API_VERSION,
  LAUNCHER_CONTAINER,
  LAUNCHER_LABEL,
  LAUNCHER_LABEL_VALUE,
  type Pod,
  SCHEDULABLE_LABEL,
  type VirtualMachineInstance,
  VM_NAME_LABEL,
  VMI_ID_LABEL,
  VMI_KIND,
} from "../../api/mod.ts";
import { launcherResources, type ResourceOptions } from "./resources.ts";

/** How launcher pods are made. */
export interface LauncherOptions extends ResourceOptions {
  /** The holder container's image; it only keeps the pod alive on nodes with a kubelet. */
  image: string;
}

export { DEFAULT_LAUNCHER_IMAGE };
/** KubeVirt pads the launcher's grace period twice by 15 s, so the agent stops the guest first. */
const GRACE_PADDING_SECONDS = 30;

// Kubernetes' generateName alphabet (no vowels, no 0/1/3: no words, no look-alikes).
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * `virt-launcher-<vmi>-<5 chars>` as KubeVirt's generateName makes it, except that the 5 chars
 * come from `seed` (the VMI's UID; a migration's for its target pod): creating the pod twice (a
 * retry, a restart) finds the first one.
 */
export function launcherPodName(
  vmi: VirtualMachineInstance,
  seed: string = vmi.metadata.uid ?? "",
): string {
  const base = `virt-launcher-${vmi.metadata.name ?? ""}-`.slice(0, 58);
  const digest = createHash("sha256").update(seed).digest();
  const suffix = Array.from(digest.subarray(0, 5), (b) => ALPHABET[b % ALPHABET.length]).join("");
  return base + suffix;
}

/** The host name KubeVirt labels the pod with: spec.hostname or the name, as a DNS label. */
function hostNameOf(vmi: VirtualMachineInstance): string {
  const name = vmi.spec.hostname ?? vmi.metadata.name ?? "";
  return name.slice(0, 63).replace(/[^A-Za-z0-9]+$/, "");
}

/**
 * The VMI's claims (PVCs and DataVolumes' PVCs) as pod volumes: kube-scheduler then places the
 * pod where its volumes are, and a WaitForFirstConsumer claim is provisioned on the pod's node.
 */
export function claimVolumesOf(vmi: VirtualMachineInstance): PodVolume[] {
  const volumes: PodVolume[] = [];
  for (const volume of vmi.spec.volumes ?? []) {
    const claim = volume.persistentVolumeClaim ?? volume.ephemeral?.persistentVolumeClaim;
    const claimName = claim?.claimName ?? volume.dataVolume?.name;
    if (!claimName) continue;
    // Ephemeral volumes only read the claim: their writes go to an overlay on the node.
    const readOnly = claim?.readOnly === true || !!volume.ephemeral;
    volumes.push({ name: volume.name, persistentVolumeClaim: { claimName, readOnly } });
  }
  return volumes;
}

/** A pod volume backed by a claim. */
export interface PodVolume {
  name: string;
  persistentVolumeClaim: { claimName: string; readOnly: boolean };
}

/** Whether the guest's serial console is logged: KubeVirt's isSerialConsoleLogEnabled. */
export function logsSerialConsole(vmi: VirtualMachineInstance): boolean {
  const devices = vmi.spec.domain.devices;
  return devices?.autoattachSerialConsole !== false && devices?.logSerialConsole !== false;
}

/**
 * KubeVirt's `guest-console-log` sidecar (a restartable init container), whose log is the guest's
 * serial console: on a kubelet-less node the agent answers the kubelet's log endpoint for it from
 * the console's log file. It runs the holder image and asks for no resources: nothing in the pod
 * reads the log (KubeVirt's virt-tail asks for 35M), the node's agent does.
 */
function guestConsoleLogContainer(image: string) {
  return {
    name: GUEST_CONSOLE_LOG_CONTAINER,
    image,
    imagePullPolicy: "IfNotPresent",
    restartPolicy: "Always",
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    },
  };
}

/** The launcher pod for `vmi`. */
export function launcherPodFor(vmi: VirtualMachineInstance, opts: LauncherOptions): Pod {
  const spec = vmi.spec;
  const claims = claimVolumesOf(vmi);
  const grace = (spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS) +
    GRACE_PADDING_SECONDS;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: launcherPodName(vmi),
      namespace: vmi.metadata.namespace,
      labels: {
        ...vmi.metadata.labels,
        [LAUNCHER_LABEL]: LAUNCHER_LABEL_VALUE,
        [CREATED_BY_LABEL]: vmi.metadata.uid ?? "",
        [VM_NAME_LABEL]: hostNameOf(vmi),
        [VMI_ID_LABEL]: vmi.metadata.name ?? "",
        [DOMAIN_LABEL]: vmi.metadata.name ?? "",
      },
      annotations: {
        [DOMAIN_ANNOTATION]: vmi.metadata.name ?? "",
        [DEFAULT_CONTAINER_ANNOTATION]: LAUNCHER_CONTAINER,
      },
      ownerReferences: [{
        apiVersion: KUBEVIRT_API_VERSION,
        kind: VMI_KIND,
        name: vmi.metadata.name ?? "",
        uid: vmi.metadata.uid ?? "",
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      containers: [{
        name: LAUNCHER_CONTAINER,
        image: opts.image,
        imagePullPolicy: "IfNotPresent",
        resources: launcherResources(vmi, opts),
      }],
      ...(logsSerialConsole(vmi) ? { initContainers: [guestConsoleLogContainer(opts.image)] } : {}),
      ...(claims.length > 0 ? { volumes: claims } : {}),
      restartPolicy: "Never",
      terminationGracePeriodSeconds: grace,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      nodeSelector: { ...spec.nodeSelector, [SCHEDULABLE_LABEL]: "true" },
      ...(spec.affinity ? { affinity: structuredClone(spec.affinity) } : {}),
      ...(spec.tolerations ? { tolerations: structuredClone(spec.tolerations) } : {}),
      ...(spec.topologySpreadConstraints
        ? { topologySpreadConstraints: structuredClone(spec.topologySpreadConstraints) }
        : {}),
      ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
      ...(spec.schedulerName ? { schedulerName: spec.schedulerName } : {}),
    },
  };
}

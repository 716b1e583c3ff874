/**
 * The names the roles share: every label, annotation and finalizer that one role writes and
 * another reads. KubeVirt's names where KubeVirt has one, `denovirt.io/` where denovirt needs
 * its own. Which role writes each is in adr/0009-one-writer-per-field.md; storage and import
 * annotations are in storage_annotations.ts.
 */

// Labels on launcher pods.
/** `kubevirt.io: virt-launcher` marks launcher pods. */
export const LAUNCHER_LABEL = "kubevirt.io";
export const LAUNCHER_LABEL_VALUE = "virt-launcher";
/** The label selector of every launcher pod. */
export const LAUNCHER_SELECTOR = `${LAUNCHER_LABEL}=${LAUNCHER_LABEL_VALUE}`;
/** On a launcher pod: the UID of the VMI it belongs to. */
export const CREATED_BY_LABEL = "kubevirt.io/created-by";
/** On a launcher pod: the VMI's host name. */
export const VM_NAME_LABEL = "vm.kubevirt.io/name";
/** On a launcher pod: the VMI's name (Services made by `virtctl expose vmi` select on it). */
export const VMI_ID_LABEL = "vmi.kubevirt.io/id";
/** On a launcher pod: the name of the VMI's domain, as KubeVirt labels it. */
export const DOMAIN_LABEL = "kubevirt.io/domain";
/** The launcher pod's one container, which holds the VMI's resource requests. */
export const LAUNCHER_CONTAINER = "compute";
/** KubeVirt's launcher sidecar whose log is the guest's serial console. */
export const GUEST_CONSOLE_LOG_CONTAINER = "guest-console-log";

// Labels on VMIs.
/** The node a VMI is scheduled to (CRDs have no field selector for status.nodeName). */
export const NODE_NAME_LABEL = "kubevirt.io/nodeName";

// Labels on Nodes.
/** Nodes that may run VMIs; every launcher pod selects it. */
export const SCHEDULABLE_LABEL = "kubevirt.io/schedulable";
/** Kubernetes' well-known node labels, which kubelet sets and the agent sets where none runs. */
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
export const OS_LABEL = "kubernetes.io/os";
export const ARCH_LABEL = "kubernetes.io/arch";
/**
 * Nodes the agent registers itself (no kubelet runs there): the install's pods, the agent's
 * DaemonSet included, stay off them (manifests/cluster), as nothing there would run a container.
 */
export const KUBELET_LESS_LABEL = "denovirt.io/kubelet-less";

// Annotations.
/** On a VMI: the generation of the VM it was created from. */
export const VM_GENERATION_ANNOTATION = "kubevirt.io/vm-generation";
/** On a launcher pod: the VMI's name, which its domain is named after. */
export const DOMAIN_ANNOTATION = "kubevirt.io/domain";
/** Template annotations KubeVirt's metrics report as the `os`, `workload` and `flavor` labels. */
export const VM_OS_ANNOTATION = "vm.kubevirt.io/os";
export const VM_WORKLOAD_ANNOTATION = "vm.kubevirt.io/workload";
export const VM_FLAVOR_ANNOTATION = "vm.kubevirt.io/flavor";
/** Marks a VMI whose launcher image is older than the installed one (KubeVirt's `outdated`). */
export const OUTDATED_LAUNCHER_IMAGE_LABEL = "kubevirt.io/outdatedLauncherImage";
/** The VMI condition present while the QEMU guest agent is connected (virt-handler's). */
export const AGENT_CONNECTED_CONDITION = "AgentConnected";
/** On a launcher pod: the container `kubectl logs` and `exec` pick. */
export const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";
/** On a Node: the agent's HTTPS endpoint, `https://<address>:<port>`; the subresource API calls it. */
export const AGENT_ENDPOINT_ANNOTATION = "denovirt.io/agent-endpoint";

// Finalizers.
/** On VMs and on the VMIs they create: the VM controller sees the VMI's end before it goes. */
export const VM_CONTROLLER_FINALIZER = "kubevirt.io/virtualMachineControllerFinalize";
/** On every VMI: its launcher pods are gone before it goes (KubeVirt's foreground finalizer). */
export const VMI_FINALIZER = "foregroundDeleteVirtualMachine";
/** On a VMI an agent runs: held until that agent tore its domain and files down. */
export const AGENT_FINALIZER = "denovirt.io/agent-teardown";

/** The field manager each role writes with, so that managedFields name the writer. */
export const FIELD_MANAGERS = {
  controllers: "denovirt-controllers",
  agent: "denovirt-agent",
  subresources: "denovirt-subresources",
  webhooks: "denovirt-webhooks",
  stack: "denovirt-stack",
} as const;

/**
 * The identity the aggregated API presents to the node agents: its client certificate's CN, the
 * webhooks' ServiceAccount user name (on the local stack and in the install's certificates).
 */
export const WEBHOOKS_IDENTITY = "system:serviceaccount:denovirt:denovirt-webhooks";

/**
 * The client certificate CN kube-apiserver presents to kubelets (`--kubelet-client-certificate`,
 * kubeadm's name): the one caller of the kubelet endpoints a kubelet-less node's agent serves.
 */
export const KUBELET_CLIENT_IDENTITY = "kube-apiserver-kubelet-client";

/** KubeVirt's grace period for a VMI without `terminationGracePeriodSeconds`. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 30;

/** Kind names as owner references carry them. */
export const VM_KIND = "VirtualMachine";
export const VMI_KIND = "VirtualMachineInstance";
export const VMIRS_KIND = "VirtualMachineInstanceReplicaSet";

// Live migration (kubevirt.io/v1 VirtualMachineInstanceMigration); adr/0012-live-migration.md.
/** On a VMIM: the name of the VMI it migrates (KubeVirt's migration selector label). */
export const MIGRATION_VMI_LABEL = "kubevirt.io/vmi-name";
/** On a migration's target launcher pod: the UID of the VMIM it was made for. */
export const MIGRATION_JOB_LABEL = "kubevirt.io/migrationJobUID";
/** On a migration's target launcher pod: the name of the VMIM it was made for. */
export const MIGRATION_JOB_NAME_ANNOTATION = "kubevirt.io/migrationJobName";
/** On a VMIM: seconds its target pod may stay unschedulable before the migration fails. */
export const MIGRATION_UNSCHEDULABLE_TIMEOUT_ANNOTATION =
  "kubevirt.io/migrationUnschedulablePodTimeoutSeconds";
/** On a VMIM: seconds its target pod may stay Pending, for any reason, before it fails. */
export const MIGRATION_PENDING_TIMEOUT_ANNOTATION = "kubevirt.io/migrationPendingPodTimeoutSeconds";
/**
 * On a VMI while a migration to a node is in flight: that node's name (KubeVirt's label), so the
 * target node's agent watches only the VMIs coming to it. Controllers set it with the migration's
 * record and remove it once the migration is over.
 */
export const MIGRATION_TARGET_NODE_LABEL = "kubevirt.io/migrationTargetNodeName";
/** On a VMIM: held by the controllers until the migration is over (aborted when deleted early). */
export const MIGRATION_FINALIZER = "kubevirt.io/migrationJobFinalize";
/** On a VMIM the controllers made to move a VMI off a node being drained. */
export const EVACUATION_MIGRATION_ANNOTATION = "kubevirt.io/evacuationMigration";
/** The generateName of a VMIM made by `virtctl migrate` (the `migrate` subresource). */
export const MIGRATE_GENERATE_NAME = "kubevirt-migrate-vm-";
/** The generateName of a VMIM made to evacuate a node. */
export const EVACUATION_GENERATE_NAME = "kubevirt-evacuation-";
/** The TCP port every node's libvirtd listens on for peer-to-peer migration (libvirt's default). */
export const LIBVIRT_MIGRATION_PORT = 16509;

// Node identities: each node's agent is its own user, as kubelets are `system:node:<name>`.
/** An agent's user name is this prefix plus its node's name. */
export const AGENT_USER_PREFIX = "denovirt:agent:";
/** The group every node agent's identity is in; RBAC grants the agent role to it. */
export const AGENT_GROUP = "denovirt:agents";

// Instance types and preferences (instancetype.kubevirt.io).
/** On a VMI: the instance type or preference its VM referenced (KubeVirt's annotations). */
export const INSTANCETYPE_NAME_ANNOTATION = "kubevirt.io/instancetype-name";
export const CLUSTER_INSTANCETYPE_NAME_ANNOTATION = "kubevirt.io/cluster-instancetype-name";
export const PREFERENCE_NAME_ANNOTATION = "kubevirt.io/preference-name";
export const CLUSTER_PREFERENCE_NAME_ANNOTATION = "kubevirt.io/cluster-preference-name";
/** On a ControllerRevision of an instance type or preference: what object it holds. */
export const REVISION_OBJECT_NAME_LABEL = "instancetype.kubevirt.io/object-name";
export const REVISION_OBJECT_KIND_LABEL = "instancetype.kubevirt.io/object-kind";
export const REVISION_OBJECT_UID_LABEL = "instancetype.kubevirt.io/object-uid";
export const REVISION_OBJECT_GENERATION_LABEL = "instancetype.kubevirt.io/object-generation";

/**
 * The launcher pods' holder image unless the controllers are told another (`--launcher-image`);
 * on kubelet nodes of the local stack, containerd holds the stack's pause image under this name.
 */
export const DEFAULT_LAUNCHER_IMAGE = "registry.k8s.io/pause:3.10";

/** KubeVirt's names for the finalizers, labels and annotations the controllers read and write. */

/** On VMs and on the VMIs they create: the VM controller sees the VMI's end before it goes. */
export const VM_CONTROLLER_FINALIZER = "kubevirt.io/virtualMachineControllerFinalize";
/** On every VMI: its launcher pods are gone before it goes (KubeVirt's foreground finalizer). */
export const VMI_FINALIZER = "foregroundDeleteVirtualMachine";
/** On a VMI scheduled to a node: held until the node agent tore its domain down (docs/controllers.md). */
export const AGENT_FINALIZER = "denovirt.io/agent-teardown";

/** The VM generation a VMI was created from. */
export const VM_GENERATION_ANNOTATION = "kubevirt.io/vm-generation";
/** The node a VMI is scheduled to. */
export const NODE_NAME_LABEL = "kubevirt.io/nodeName";
/** Nodes that may run VMIs; every launcher pod selects it. */
export const SCHEDULABLE_LABEL = "kubevirt.io/schedulable";
/** `kubevirt.io: virt-launcher` marks launcher pods. */
export const APP_LABEL = "kubevirt.io";
export const LAUNCHER_APP = "virt-launcher";
/** The UID of the VMI a launcher pod belongs to. */
export const CREATED_BY_LABEL = "kubevirt.io/created-by";
/** The VMI's host name on its launcher pod. */
export const VM_NAME_LABEL = "vm.kubevirt.io/name";
/** The domain name on a launcher pod. */
export const DOMAIN_ANNOTATION = "kubevirt.io/domain";

export const VM_KIND = "VirtualMachine";
export const VMI_KIND = "VirtualMachineInstance";
export const KUBEVIRT_API_VERSION = "kubevirt.io/v1";

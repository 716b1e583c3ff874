/** Whether libvirt can run KVM domains here: asked of libvirt itself, which knows what it may use. */
import { type Hypervisor, LibvirtError } from "./libvirt/mod.ts";

/**
 * Defines (and at once undefines) a tiny KVM domain: libvirt refuses the definition when its
 * QEMU cannot use KVM. A host whose /dev/kvm is visible but broken (nested virtualisation
 * without VT-x) passes this check: run the agent with `--kvm=false` there.
 */
export async function libvirtSupportsKvm(hypervisor: Hypervisor): Promise<boolean> {
  const name = `denovirt-kvm-probe-${crypto.randomUUID().slice(0, 8)}`;
  const xml = `<domain type='kvm'><name>${name}</name><memory unit='MiB'>16</memory>` +
    `<os><type arch='x86_64'>hvm</type></os></domain>`;
  let defined;
  try {
    defined = await hypervisor.defineXml(xml);
  } catch (error) {
    if (error instanceof LibvirtError) return false;
    throw error;
  }
  await hypervisor.undefine(defined.uuid).catch(() => {});
  return true;
}

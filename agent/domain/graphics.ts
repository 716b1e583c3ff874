/** The graphics device: a video card and a VNC server on a unix socket, as KubeVirt attaches. */
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { vmiRunPathsFor } from "./serial.ts";
import type { NodeFacts } from "./types.ts";
import { el, type XmlElement } from "./xml.ts";

// KubeVirt's amd64 video: one head, 16 MiB of VRAM (libvirt counts `vram` in KiB).
const VRAM_KIB = 16384;

/**
 * `<video>` and `<graphics type='vnc'>` listening on the VMI's `vnc.sock`, unless
 * `autoattachGraphicsDevice` is false. EFI guests get `bochs` (OVMF has a driver for it and it
 * needs no legacy VGA ROM), others `vga`, as KubeVirt chooses on amd64.
 */
export function graphicsElements(vmi: VirtualMachineInstance, node: NodeFacts): XmlElement[] {
  if (vmi.spec.domain.devices.autoattachGraphicsDevice === false) return [];
  const efi = vmi.spec.domain.firmware?.bootloader?.efi !== undefined;
  const paths = vmiRunPathsFor(vmi, node);
  return [
    el(
      "graphics",
      { type: "vnc" },
      el("listen", { type: "socket", socket: paths.vncSocket }),
    ),
    el(
      "video",
      {},
      el("model", { type: efi ? "bochs" : "vga", vram: VRAM_KIB, heads: 1 }),
    ),
  ];
}

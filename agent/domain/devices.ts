/** The remaining devices: RNG, balloon, watchdog, inputs, guest agent channel, USB controller. */
import type { Devices } from "../../api/mod.ts";
import { unsupported } from "./errors.ts";
import { el, type XmlElement } from "./xml.ts";

const PATH = "spec.domain.devices";

/** Refuses the device fields denovirt does not render (never ignoring them silently). */
export function refuseUnsupportedDevices(devices: Devices): void {
  const lists = ["gpus", "hostDevices", "filesystems", "panicDevices"] as const;
  for (const key of lists) {
    if ((devices[key]?.length ?? 0) > 0) unsupported(`${PATH}.${key}`, key);
  }
  if (devices.downwardMetrics) {
    unsupported(`${PATH}.downwardMetrics`, "the downward metrics device");
  }
  if (devices.clientPassthrough) unsupported(`${PATH}.clientPassthrough`, "USB client passthrough");
  if (devices.sound) unsupported(`${PATH}.sound`, "a sound device");
  if (devices.tpm && devices.tpm.enabled !== false) unsupported(`${PATH}.tpm`, "a TPM");
  if (devices.video) unsupported(`${PATH}.video`, "a video device (there is no graphics console)");
  if (devices.autoattachVSOCK) unsupported(`${PATH}.autoattachVSOCK`, "VSOCK");
  if (devices.networkInterfaceMultiqueue) {
    unsupported(`${PATH}.networkInterfaceMultiqueue`, "network interface multi-queue");
  }
  if (devices.watchdog?.diag288) {
    unsupported(`${PATH}.watchdog.diag288`, "the s390 diag288 watchdog");
  }
}

/** The devices that follow the VMI's `devices` flags. */
export function miscDeviceElements(devices: Devices, usbDisks: boolean): XmlElement[] {
  const inputs = devices.inputs ?? [];
  const usb = usbDisks || inputs.some((i) => (i.bus ?? "usb") === "usb");
  const watchdog = devices.watchdog?.i6300esb;
  return [
    // Without USB devices the controller only costs boot time, as KubeVirt also decides.
    !usb && el("controller", { type: "usb", model: "none" }),
    ...inputs.map((input) => el("input", { type: input.type, bus: input.bus ?? "usb" })),
    // libvirt picks the socket path; the agent reaches the guest agent through libvirt.
    el(
      "channel",
      { type: "unix" },
      el("target", { type: "virtio", name: "org.qemu.guest_agent.0" }),
    ),
    watchdog && el("watchdog", { model: "i6300esb", action: watchdog.action ?? "reset" }),
    devices.rng &&
    el("rng", { model: "virtio" }, el("backend", { model: "random" }, "/dev/urandom")),
    devices.autoattachMemBalloon === false
      ? el("memballoon", { model: "none" })
      : el("memballoon", { model: "virtio" }, el("stats", { period: 10 })),
  ].filter((e): e is XmlElement => e !== false && e !== undefined);
}

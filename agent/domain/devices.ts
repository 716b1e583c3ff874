/** The remaining devices: RNG, balloon, watchdog, inputs, guest agent channel, USB controller. */
import type { Devices } from "../../api/mod.ts";
import { el, type XmlElement } from "./xml.ts";
import { GUEST_AGENT_CHANNEL } from "../libvirt/xml_read.ts";

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
      el("target", { type: "virtio", name: GUEST_AGENT_CHANNEL }),
    ),
    watchdog && el("watchdog", { model: "i6300esb", action: watchdog.action ?? "reset" }),
    devices.rng &&
    el("rng", { model: "virtio" }, el("backend", { model: "random" }, "/dev/urandom")),
    devices.autoattachMemBalloon === false
      ? el("memballoon", { model: "none" })
      : el("memballoon", { model: "virtio" }, el("stats", { period: 10 })),
  ].filter((e): e is XmlElement => e !== false && e !== undefined);
}

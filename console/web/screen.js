// The VMI's screen in noVNC, over the `vnc` subresource's WebSocket.
import RFB from "./novnc.js";
import { tokenProtocol } from "./api.js";
import { wsUrl } from "./serial.js";
import { h } from "./ui.js";

/** Shows the screen of `namespace/name` in `box`; disconnects when `signal` aborts. */
export function vncScreen(box, namespace, name, signal) {
  const state = h("p", { id: "screen-state" }, "connecting");
  const target = h("div", { id: "screen" });
  box.replaceChildren(state, target);
  const rfb = new RFB(
    target,
    wsUrl(
      `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${name}/vnc`,
    ),
    { wsProtocols: ["plain.kubevirt.io", tokenProtocol()] },
  );
  rfb.scaleViewport = true;
  rfb.addEventListener("connect", () => (state.textContent = "connected"));
  rfb.addEventListener(
    "disconnect",
    (e) => state.textContent = e.detail.clean ? "disconnected" : "connection lost",
  );
  signal.addEventListener("abort", () => rfb.disconnect());
}

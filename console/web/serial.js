// The VMI's serial console in xterm.js, over the `console` subresource's WebSocket.
import { Terminal } from "./xterm.js";
import { tokenProtocol } from "./api.js";
import { h } from "./ui.js";

/** The WebSocket URL of a console API path on this origin. */
export const wsUrl = (path) =>
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/console/api${path}`;

/** Opens the serial console of `namespace/name` in `box`; closes when `signal` aborts. */
export function serialConsole(box, namespace, name, signal) {
  const state = h("p", { id: "serial-state" }, "connecting");
  const screen = h("div", { id: "terminal" });
  box.replaceChildren(state, screen);
  const term = new Terminal({ convertEol: false, cursorBlink: true, rows: 24 });
  term.open(screen);
  const ws = new WebSocket(
    wsUrl(
      `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${name}/console`,
    ),
    ["plain.kubevirt.io", tokenProtocol()],
  );
  ws.binaryType = "arraybuffer";
  ws.onopen = () => (state.textContent = "connected");
  ws.onclose = (event) => (state.textContent = `closed ${event.code} ${event.reason}`);
  ws.onmessage = (event) =>
    term.write(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
  const encoder = new TextEncoder();
  term.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
  signal.addEventListener("abort", () => {
    ws.close(1000, "");
    term.dispose();
  });
}

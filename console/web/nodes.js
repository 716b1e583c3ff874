// Nodes with their capacity and the VMs each one runs.
import { listWatch } from "./api.js";
import { h, showError } from "./ui.js";

const ready = (node) => node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "";

/** Renders the nodes page into `view` until `signal` aborts. */
export function nodesPage(view, signal) {
  const body = h("tbody");
  view.replaceChildren(
    h("h1", {}, "Nodes"),
    h(
      "table",
      { id: "nodes" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Name", "Ready", "CPU", "Memory", "Allocatable CPU", "Allocatable memory", "VMs"].map((
            t,
          ) => h("th", {}, t)),
        ),
      ),
      body,
    ),
  );
  let nodes = new Map();
  let vmis = new Map();
  const render = () => {
    const perNode = new Map();
    for (const vmi of vmis.values()) {
      const node = vmi.status?.nodeName;
      if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
    }
    body.replaceChildren(...[...nodes.values()].map((n) =>
      h(
        "tr",
        { "data-node": n.metadata.name },
        h("td", {}, n.metadata.name),
        h("td", { class: "ready" }, ready(n)),
        h("td", {}, n.status?.capacity?.cpu ?? ""),
        h("td", {}, n.status?.capacity?.memory ?? ""),
        h("td", {}, n.status?.allocatable?.cpu ?? ""),
        h("td", {}, n.status?.allocatable?.memory ?? ""),
        h("td", { class: "vms" }, String(perNode.get(n.metadata.name) ?? 0)),
      )
    ));
  };
  listWatch("/api/v1/nodes", (m) => (nodes = m, render()), signal, showError);
  listWatch(
    "/apis/kubevirt.io/v1/virtualmachineinstances",
    (m) => (vmis = m, render()),
    signal,
    () => {},
  );
}

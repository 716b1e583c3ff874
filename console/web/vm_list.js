// The VMs of every namespace the user may list, kept live by watches of VMs and VMIs.
import { listWatch } from "./api.js";
import { ACTIONS } from "./actions.js";
import { age, confirmed, h, showError } from "./ui.js";

const COLUMNS = ["Name", "Namespace", "Status", "Ready", "Node", "IP", "Age", ""];

function row(vm, vmi) {
  const { name, namespace } = vm.metadata;
  const ip = vmi?.status?.interfaces?.find((i) => i.ipAddress)?.ipAddress ?? "";
  const buttons = Object.keys(ACTIONS).map((action) =>
    h("button", { "data-action": action, type: "button" }, action)
  );
  return h(
    "tr",
    { "data-vm": `${namespace}/${name}` },
    h("td", { class: "name" }, h("a", { href: `#/vm/${namespace}/${name}` }, name)),
    h("td", { class: "namespace" }, namespace),
    h("td", { class: "status" }, vm.status?.printableStatus ?? ""),
    h("td", { class: "ready" }, String(vm.status?.ready ?? false)),
    h("td", { class: "node" }, vmi?.status?.nodeName ?? ""),
    h("td", { class: "ip" }, ip),
    h("td", { class: "age" }, age(vm.metadata.creationTimestamp)),
    h("td", { class: "actions" }, buttons),
  );
}

/** The namespace picker: empty for every namespace the user may list. */
function namespaceForm(namespace) {
  const input = h("input", {
    id: "namespace",
    value: namespace ?? "",
    placeholder: "all namespaces",
  });
  return h(
    "form",
    {
      class: "namespace",
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = input.value.trim() ? `#/vms/${input.value.trim()}` : "#/vms";
      },
    },
    h("label", {}, "Namespace ", input),
    h("button", { type: "submit" }, "Show"),
  );
}

/** Renders the VM list (of one namespace, or all) into `view` until `signal` aborts. */
export function vmList(view, signal, namespace) {
  const body = h("tbody");
  const count = h("span", { id: "vm-count" }, "loading");
  const scope = namespace ? `/namespaces/${namespace}` : "";
  view.replaceChildren(
    h("h1", {}, "Virtual machines ", count),
    namespaceForm(namespace),
    h(
      "table",
      { id: "vms" },
      h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", {}, c)))),
      body,
    ),
  );
  let vms = new Map();
  let vmis = new Map();
  const render = () => {
    const rows = [...vms.values()]
      .sort((a, b) =>
        (a.metadata.namespace + a.metadata.name).localeCompare(
          b.metadata.namespace + b.metadata.name,
        )
      )
      .map((vm) => row(vm, vmis.get(`${vm.metadata.namespace}/${vm.metadata.name}`)));
    body.replaceChildren(...rows);
    count.textContent = `(${vms.size})`;
  };
  body.addEventListener("click", async (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (!action) return;
    const [namespace, name] = event.target.closest("tr").dataset.vm.split("/");
    if (!(await confirmed(`${action} ${namespace}/${name}?`))) return;
    try {
      showError(undefined);
      await ACTIONS[action](namespace, name);
    } catch (error) {
      showError(error);
    }
  });
  listWatch(
    `/apis/kubevirt.io/v1${scope}/virtualmachines`,
    (m) => (vms = m, render()),
    signal,
    showError,
  );
  listWatch(
    "/apis/kubevirt.io/v1/virtualmachineinstances",
    (m) => (vmis = m, render()),
    signal,
    () => {},
  );
}

// One VM: spec summary, conditions, events, its DataVolumes with their import progress, its serial
// console and screen, and its YAML.
import { listWatch } from "./api.js";
import { age, h, showError } from "./ui.js";
import { toYaml } from "./yaml.js";
import { serialConsole } from "./serial.js";
import { vncScreen } from "./screen.js";

/** The spec facts a user looks for first. */
export function summaryOf(vm, vmi) {
  const spec = vm.spec?.template?.spec ?? {};
  const domain = spec.domain ?? {};
  const cpu = domain.cpu ?? {};
  const cores = (cpu.sockets ?? 1) * (cpu.cores ?? 1) * (cpu.threads ?? 1);
  const volumes = (spec.volumes ?? []).map((v) =>
    `${v.name} (${Object.keys(v).find((k) => k !== "name")})`
  );
  return [
    ["Status", vm.status?.printableStatus ?? ""],
    ["Run strategy", vm.spec?.runStrategy ?? (vm.spec?.running ? "Always" : "Halted")],
    ["CPU", vm.spec?.instancetype ? `instance type ${vm.spec.instancetype.name}` : String(cores)],
    ["Memory", domain.memory?.guest ?? domain.resources?.requests?.memory ?? ""],
    ["Volumes", volumes.join(", ")],
    ["Node", vmi?.status?.nodeName ?? ""],
    ["IP", vmi?.status?.interfaces?.find((i) => i.ipAddress)?.ipAddress ?? ""],
    ["Created", `${age(vm.metadata.creationTimestamp)} ago`],
  ];
}

function table(id, headings, rows) {
  return h(
    "table",
    { id },
    h("thead", {}, h("tr", {}, headings.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c ?? ""))))),
  );
}

/** The names of the DataVolumes a VM uses: its templates' and its volumes'. */
export function dataVolumeNamesOf(vm) {
  const templates = (vm.spec?.dataVolumeTemplates ?? []).map((t) => t.metadata?.name);
  const volumes = (vm.spec?.template?.spec?.volumes ?? []).map((v) => v.dataVolume?.name);
  return new Set([...templates, ...volumes].filter(Boolean));
}

/** Renders `namespace/name` into `view` until `signal` aborts. */
export function vmPage(view, signal, namespace, name) {
  const summary = h("dl", { class: "summary", id: "summary" });
  const conditions = h("div");
  const events = h("div");
  const dataVolumes = h("div");
  const yaml = h("pre", { class: "yaml", id: "yaml" });
  const serialBox = h("div", { id: "serial" });
  const screenBox = h("div", { id: "screen-box" });
  const session = (open, box) => {
    const controller = new AbortController();
    signal.addEventListener("abort", () => controller.abort());
    open(box, namespace, name, controller.signal);
  };
  view.replaceChildren(
    h("h1", {}, `${namespace}/${name}`),
    summary,
    h("h2", {}, "Conditions"),
    conditions,
    h("h2", {}, "Events"),
    events,
    h("h2", {}, "DataVolumes"),
    dataVolumes,
    h("h2", {}, "Serial console"),
    h("button", { id: "open-serial", onclick: () => session(serialConsole, serialBox) }, "Connect"),
    serialBox,
    h("h2", {}, "Screen"),
    h("button", { id: "open-screen", onclick: () => session(vncScreen, screenBox) }, "Connect"),
    screenBox,
    h("h2", {}, "YAML"),
    yaml,
  );
  let vm;
  let vmi;
  let namespaceDataVolumes = new Map();
  const render = () => {
    if (!vm) return;
    const used = dataVolumeNamesOf(vm);
    dataVolumes.replaceChildren(table(
      "vm-datavolumes",
      ["Name", "Phase", "Progress"],
      [...namespaceDataVolumes.values()]
        .filter((dv) => used.has(dv.metadata.name))
        .map((dv) => [dv.metadata.name, dv.status?.phase, dv.status?.progress]),
    ));
    summary.replaceChildren(
      ...summaryOf(vm, vmi).flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-key": k }, v)]),
    );
    conditions.replaceChildren(table(
      "conditions",
      ["Type", "Status", "Reason", "Message", "Changed"],
      (vm.status?.conditions ?? []).map((c) => [
        c.type,
        c.status,
        c.reason,
        c.message,
        age(c.lastTransitionTime),
      ]),
    ));
    const { managedFields: _, ...metadata } = vm.metadata;
    // List items may come without their kind: say it first, as kubectl does.
    yaml.textContent = toYaml({
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachine",
      ...vm,
      metadata,
    });
  };
  const one = (set) => (items) => (set(items.get(`${namespace}/${name}`)), render());
  const field = `fieldSelector=metadata.name%3D${encodeURIComponent(name)}`;
  const base = `/apis/kubevirt.io/v1/namespaces/${namespace}`;
  listWatch(`${base}/virtualmachines?${field}`, one((v) => vm = v), signal, showError);
  listWatch(`${base}/virtualmachineinstances?${field}`, one((v) => vmi = v), signal, () => {});
  listWatch(
    `/apis/cdi.kubevirt.io/v1beta1/namespaces/${namespace}/datavolumes`,
    (items) => (namespaceDataVolumes = items, render()),
    signal,
    () => {},
  );
  listWatch(
    `/api/v1/namespaces/${namespace}/events?fieldSelector=involvedObject.name%3D${
      encodeURIComponent(name)
    }`,
    (items) =>
      events.replaceChildren(table(
        "events",
        ["Type", "Reason", "Object", "Message", "Last seen"],
        [...items.values()]
          .sort((a, b) =>
            Date.parse(b.lastTimestamp ?? b.eventTime ?? 0) -
            Date.parse(a.lastTimestamp ?? a.eventTime ?? 0)
          )
          .map((
            e,
          ) => [
            e.type,
            e.reason,
            e.involvedObject.kind,
            e.message,
            age(e.lastTimestamp ?? e.eventTime),
          ]),
      )),
    signal,
    () => {},
  );
}

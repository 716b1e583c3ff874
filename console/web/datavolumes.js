// DataVolumes with their phase and import progress.
import { listWatch } from "./api.js";
import { age, h, showError } from "./ui.js";

/** Renders the DataVolumes (of one namespace, or all) into `view` until `signal` aborts. */
export function dataVolumesPage(view, signal, namespace) {
  const body = h("tbody");
  view.replaceChildren(
    h("h1", {}, "DataVolumes"),
    h(
      "table",
      { id: "datavolumes" },
      h(
        "thead",
        {},
        h("tr", {}, ["Name", "Namespace", "Phase", "Progress", "Age"].map((t) => h("th", {}, t))),
      ),
      body,
    ),
  );
  const scope = namespace ? `/namespaces/${namespace}` : "";
  listWatch(
    `/apis/cdi.kubevirt.io/v1beta1${scope}/datavolumes`,
    (items) =>
      body.replaceChildren(...[...items.values()].map((dv) => {
        const progress = dv.status?.progress ?? "";
        const percent = Number.parseFloat(progress);
        return h(
          "tr",
          { "data-dv": `${dv.metadata.namespace}/${dv.metadata.name}` },
          h("td", {}, dv.metadata.name),
          h("td", {}, dv.metadata.namespace),
          h("td", { class: "phase" }, dv.status?.phase ?? ""),
          h(
            "td",
            { class: "progress" },
            Number.isFinite(percent) ? h("progress", { max: 100, value: percent }) : "",
            ` ${progress}`,
          ),
          h("td", {}, age(dv.metadata.creationTimestamp)),
        );
      })),
    signal,
    showError,
  );
}

// Create a VM from a short form or from pasted YAML; the webhooks' refusals are shown verbatim.
import { api } from "./api.js";
import { h, showError } from "./ui.js";
import { vmFromForm } from "./vm_template.js";

const field = (label, attrs) => h("label", {}, label, " ", h("input", attrs));

/** Renders the create page into `view`. */
export function createPage(view) {
  const form = h(
    "form",
    { id: "create-form" },
    field("Name", { name: "name", required: true, pattern: "[a-z0-9]([a-z0-9\\-]*[a-z0-9])?" }),
    field("Namespace", { name: "namespace", required: true, value: "default" }),
    field("Image or URL", { name: "source", required: true, size: 50 }),
    field("CPU cores", { name: "cpu", type: "number", min: 1, value: 1, required: true }),
    field("Memory", { name: "memory", value: "128Mi", required: true }),
    h("label", {}, "Cloud-init user data", h("textarea", { name: "userData", rows: 5 })),
    field("SSH public key", { name: "sshKey", size: 60 }),
    h("button", { type: "submit", id: "create-submit" }, "Create"),
  );
  const yaml = h(
    "form",
    { id: "yaml-form" },
    field("Namespace", { name: "namespace", required: true, value: "default" }),
    h(
      "label",
      {},
      "VirtualMachine YAML",
      h("textarea", { name: "yaml", rows: 14, required: true }),
    ),
    h("button", { type: "submit", id: "yaml-submit" }, "Create from YAML"),
  );
  const created = (vm) => (location.hash = `#/vm/${vm.metadata.namespace}/${vm.metadata.name}`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(form));
    try {
      showError(undefined);
      const vm = vmFromForm(fields);
      created(
        await api(`/apis/kubevirt.io/v1/namespaces/${fields.namespace}/virtualmachines`, {
          method: "POST",
          body: vm,
        }),
      );
    } catch (error) {
      showError(error);
    }
  });
  yaml.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(yaml));
    try {
      showError(undefined);
      // kube-apiserver reads YAML bodies itself: no YAML parser in the page.
      created(
        await api(`/apis/kubevirt.io/v1/namespaces/${fields.namespace}/virtualmachines`, {
          method: "POST",
          body: fields.yaml,
          type: "application/yaml",
        }),
      );
    } catch (error) {
      showError(error);
    }
  });
  view.replaceChildren(
    h("h1", {}, "Create a virtual machine"),
    form,
    h("h2", {}, "Or paste YAML"),
    yaml,
  );
}

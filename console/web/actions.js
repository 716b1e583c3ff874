// The VM actions: the subresource API's start, stop, restart, pause, unpause and migrate (a live
// migration to another node, as `virtctl migrate`), and delete.
import { api } from "./api.js";

const SUB = "/apis/subresources.kubevirt.io/v1/namespaces";

/** What each action calls. */
export const ACTIONS = {
  start: (ns, name) =>
    api(`${SUB}/${ns}/virtualmachines/${name}/start`, { method: "PUT", body: {} }),
  stop: (ns, name) => api(`${SUB}/${ns}/virtualmachines/${name}/stop`, { method: "PUT", body: {} }),
  restart: (ns, name) =>
    api(`${SUB}/${ns}/virtualmachines/${name}/restart`, { method: "PUT", body: {} }),
  pause: (ns, name) =>
    api(`${SUB}/${ns}/virtualmachineinstances/${name}/pause`, { method: "PUT", body: {} }),
  unpause: (ns, name) =>
    api(`${SUB}/${ns}/virtualmachineinstances/${name}/unpause`, { method: "PUT", body: {} }),
  migrate: (ns, name) =>
    api(`${SUB}/${ns}/virtualmachines/${name}/migrate`, { method: "PUT", body: {} }),
  delete: (ns, name) =>
    api(`/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachines/${name}`, { method: "DELETE" }),
};

/**
 * The agent on the stack's kubelet nodes: a DaemonSet pod of the project's image, as on a real
 * cluster (manifests/cluster/60-agent.yaml, ADRs 18 and 19), with the local stack's means
 * instead of a cluster's: the node's private libvirtd through its socket directory, the stack's
 * own client and serving certificates (the same identity a kubelet-less node's agent has), and
 * the node's directories mounted at the same paths as on the node. Pure.
 */
import { DENOVIRT_NAMESPACE } from "../identities.ts";

/** The label the stack's kubelets put on their Nodes (`--node-labels`); the DaemonSet selects it. */
export const KUBELET_NODE_LABEL = "denovirt.io/kubelet-node";
/** The DaemonSet's name. */
export const STACK_AGENT_DAEMONSET = "denovirt-agent-kubelet-nodes";
/** What the pod's arguments say for the node's name and address (the kubelet expands them). */
export const NODE_NAME_REF = "$(NODE_NAME)";
export const HOST_IP_REF = "$(HOST_IP)";

/** Flags of the stack's process agents that a kubelet's node has no use for: it registers the
 * Node and makes the pods' networks itself. */
const KUBELET_DOES = [
  "--register-node",
  "--cni-conf-dir=",
  "--cni-bin-dir=",
  "--cni-conf-template=",
];

/** The agent's flags for a pod, from a process agent's flags (with the references above). */
export function podAgentArgs(processArgs: string[]): string[] {
  return processArgs.filter((arg) => !KUBELET_DOES.some((flag) => arg.startsWith(flag)));
}

export interface StackAgentDaemonSetOptions {
  image: string;
  /** The agent's flags, after `agent`. */
  args: string[];
  /** The agent's HTTPS port, which the kubelet probes for readiness (`/readyz`). */
  port: number;
  /** Directories of the node mounted at the same path (read-only ones separately). */
  hostDirs: string[];
  readOnlyHostDirs: string[];
}

/** The DaemonSet object. */
export function stackAgentDaemonSet(o: StackAgentDaemonSetOptions) {
  const labels = { "app.kubernetes.io/name": STACK_AGENT_DAEMONSET };
  const mounts = [
    ...o.hostDirs.map((path) => ({ path, readOnly: false })),
    ...o.readOnlyHostDirs.map((path) => ({ path, readOnly: true })),
  ].map((m, i) => ({ ...m, name: `host-${i}` }));
  const fromField = (name: string, fieldPath: string) => ({
    name,
    valueFrom: { fieldRef: { fieldPath } },
  });
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: STACK_AGENT_DAEMONSET, namespace: DENOVIRT_NAMESPACE, labels },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { [KUBELET_NODE_LABEL]: "true" },
          hostNetwork: true,
          dnsPolicy: "Default",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          containers: [{
            name: "agent",
            image: o.image,
            imagePullPolicy: "Never",
            args: ["agent", ...o.args],
            env: [fromField("NODE_NAME", "spec.nodeName"), fromField("HOST_IP", "status.hostIP")],
            readinessProbe: {
              httpGet: { scheme: "HTTPS", path: "/readyz", port: o.port },
              periodSeconds: 2,
            },
            securityContext: { privileged: true, runAsUser: 0 },
            volumeMounts: [
              ...mounts.map((m) => ({ name: m.name, mountPath: m.path, readOnly: m.readOnly })),
              // Namespaces containerd makes after the pod started must appear in it too.
              { name: "netns", mountPath: "/run/netns", mountPropagation: "HostToContainer" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          }],
          volumes: [
            ...mounts.map((m) => ({
              name: m.name,
              hostPath: { path: m.path, type: "Directory" },
            })),
            { name: "netns", hostPath: { path: "/run/netns", type: "Directory" } },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
}

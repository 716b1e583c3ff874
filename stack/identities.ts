/** Who is who on the local stack: one client identity per component, and the serving certs. */
import { AGENT_GROUP, AGENT_USER_PREFIX, KUBELET_CLIENT_IDENTITY } from "../api/contract.ts";
import { type ClientIdentity, LOOPBACK_SANS } from "./pki.ts";
import { KUBERNETES_SERVICE_IP } from "./pod_network.ts";

/** The namespace the denovirt roles run in, on the local stack as on a real cluster. */
export const DENOVIRT_NAMESPACE = "denovirt";

/** The denovirt roles, each with its own ServiceAccount and RBAC in `manifests/`. */
export const ROLE_ACCOUNTS = {
  controllers: "denovirt-controllers",
  webhooks: "denovirt-webhooks",
  agent: "denovirt-agent",
} as const;

export type RoleName = keyof typeof ROLE_ACCOUNTS;

/**
 * A role's client certificate names its ServiceAccount, which RBAC matches by user name, so
 * the ServiceAccount bindings in `manifests/` are what authorizes it here too.
 */
function serviceAccountIdentity(account: string): ClientIdentity {
  return {
    name: account,
    commonName: `system:serviceaccount:${DENOVIRT_NAMESPACE}:${account}`,
    organizations: ["system:serviceaccounts", `system:serviceaccounts:${DENOVIRT_NAMESPACE}`],
  };
}

export const CLIENT_IDENTITIES: ClientIdentity[] = [
  { name: "admin", commonName: "denovirt-admin", organizations: ["system:masters"] },
  { name: "kube-controller-manager", commonName: "system:kube-controller-manager" },
  { name: "kube-scheduler", commonName: "system:kube-scheduler" },
  // The built-in ClusterRoleBinding system:node-proxier grants this user what kube-proxy reads.
  { name: "kube-proxy", commonName: "system:kube-proxy" },
  { name: "front-proxy-client", commonName: "front-proxy-client" },
  // kube-apiserver's certificate towards kubelets (logs, exec, ...), and towards the agents that
  // serve a kubelet's log endpoint; system:masters, as kubeadm made it, passes a kubelet's
  // authorization of the API server.
  {
    name: KUBELET_CLIENT_IDENTITY,
    commonName: KUBELET_CLIENT_IDENTITY,
    organizations: ["system:masters"],
  },
  ...Object.values(ROLE_ACCOUNTS).map(serviceAccountIdentity),
];

export const SERVING_CERTS = [
  {
    name: "serving-kube-apiserver",
    sans: [
      ...LOOPBACK_SANS,
      "DNS:kubernetes",
      "DNS:kubernetes.default",
      "DNS:kubernetes.default.svc",
      "DNS:kubernetes.default.svc.cluster.local",
      `IP:${KUBERNETES_SERVICE_IP}`,
    ],
  },
  { name: "serving-kube-controller-manager", sans: LOOPBACK_SANS },
  { name: "serving-kube-scheduler", sans: LOOPBACK_SANS },
  {
    name: "serving-denovirt-webhooks",
    sans: [...LOOPBACK_SANS, `DNS:denovirt-webhooks.${DENOVIRT_NAMESPACE}.svc`],
  },
  { name: "serving-denovirt-agent", sans: LOOPBACK_SANS },
  // The controllers' probes and /metrics, over HTTPS as on a cluster.
  { name: "serving-denovirt-controllers", sans: LOOPBACK_SANS },
];

/**
 * A node agent's own client identity: user `denovirt:agent:<node>` in group `denovirt:agents`,
 * as kubelets are `system:node:<name>`; RBAC grants the agent role to the group.
 */
export function agentIdentity(node: string): ClientIdentity {
  return {
    name: `agent-${node}`,
    commonName: `${AGENT_USER_PREFIX}${node}`,
    organizations: [AGENT_GROUP],
  };
}

/** A node agent's serving certificate: loopback and the node's address. */
export function agentServingCert(node: { name: string; address: string }) {
  return { name: `serving-agent-${node.name}`, sans: [...LOOPBACK_SANS, `IP:${node.address}`] };
}

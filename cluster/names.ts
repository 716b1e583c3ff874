/** The names of the install's objects that its certificate job and its tests refer to. */
export const CLUSTER_NAMES = {
  namespace: "denovirt",
  webhooksService: "denovirt-webhooks",
  /** The CA, the webhooks' serving and client certificates, the front-proxy CA. */
  certsSecret: "denovirt-certs",
  /** The CA the agents sign their own serving certificates with, on their node. */
  agentCaSecret: "denovirt-agent-ca",
  webhookConfigurations: [
    ["Mutating", "denovirt-mutating"],
    ["Validating", "denovirt-validating"],
  ] as const,
  apiServices: ["v1.subresources.kubevirt.io", "v1alpha3.subresources.kubevirt.io"],
};

/** Kubeconfig files for the stack's identities (JSON, which every kubeconfig reader accepts). */

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  user: string;
}

/** The text of a kubeconfig with one cluster, one user and one context, all named "denovirt". */
export function kubeconfigText(spec: KubeconfigSpec): string {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: "denovirt",
      cluster: { server: spec.server, "certificate-authority": spec.caFile },
    }],
    users: [{
      name: spec.user,
      user: { "client-certificate": spec.certFile, "client-key": spec.keyFile },
    }],
    contexts: [{ name: "denovirt", context: { cluster: "denovirt", user: spec.user } }],
    "current-context": "denovirt",
    preferences: {},
  };
  return JSON.stringify(config, null, 2) + "\n";
}

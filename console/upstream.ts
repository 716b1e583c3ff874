/**
 * Where the console sends users' calls: the API server's URL and the CA that signs its serving
 * certificate, from the role's kubeconfig. Never the role's credentials: users bring their own.
 */
import type { KubeConfigLike } from "../lib/kube/transport.ts";
import { decodeBase64 } from "../lib/base64.ts";

/** The API server as the console reaches it. */
export interface Upstream {
  /** `https://host:port`, without a trailing slash. */
  server: string;
  /** PEM of the CA to verify the API server with; none: the system's roots. */
  caCert?: string;
}

/** The current context's cluster of `kc`: its server and CA, and nothing of its user. */
export function upstreamOf(kc: KubeConfigLike): Upstream {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("Cannot serve the console: the kubeconfig has no current cluster");
  const caCert = cluster.caData
    ? new TextDecoder().decode(decodeBase64(cluster.caData.trim()))
    : cluster.caFile
    ? Deno.readTextFileSync(cluster.caFile)
    : undefined;
  return { server: cluster.server.replace(/\/+$/, ""), ...(caCert ? { caCert } : {}) };
}

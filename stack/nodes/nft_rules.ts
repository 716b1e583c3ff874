/**
 * The nftables rules that let extra nodes reach the control plane on loopback. The API server
 * and the registry listen on 127.0.0.1 only; a node's agent still uses `127.0.0.1:<port>` (its
 * kubeconfig, containerDisk image names) and these rules carry those ports across the nodes'
 * bridge: the node's namespace sends them to the bridge address, the root namespace hands them
 * to its loopback. Nothing else of the root namespace's loopback is reachable from a node.
 */
import { bridgeAddress, NODE_INTERFACE, NODES_BRIDGE } from "./addressing.ts";

/** The root namespace's table (family ip). */
export const ROOT_TABLE = "denovirt-nodes";
/** The table in each extra node's network namespace (family ip). */
export const NODE_TABLE = "denovirt-node";

/** An nft script that (re)creates `table` with `body`, whether or not it exists. */
function replaceTable(table: string, body: string[]): string {
  return [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    ...body,
    "}",
    "",
  ].join("\n");
}

function portSet(ports: number[]): string {
  if (ports.length === 0) throw new Error("The nodes' rules need at least one port");
  return `{ ${[...new Set(ports)].sort((a, b) => a - b).join(", ")} }`;
}

/** Root namespace: connections from the nodes to the bridge address on `ports` go to loopback. */
export function rootRules(ports: number[]): string {
  return replaceTable(ROOT_TABLE, [
    "  chain prerouting {",
    "    type nat hook prerouting priority -100; policy accept;",
    `    iifname "${NODES_BRIDGE}" ip daddr ${bridgeAddress()} tcp dport ${
      portSet(ports)
    } dnat to 127.0.0.1`,
    "  }",
  ]);
}

/** The kubernetes Service's ClusterIP and the API server's loopback port behind it. */
export interface KubernetesService {
  ip: string;
  port: number;
}

/**
 * A node's namespace: its own connections to 127.0.0.1 on `ports` go to the bridge address,
 * leaving with the node's address (a loopback source cannot cross a link). With `apiServer`,
 * connections of the node and of its pods to the kubernetes Service go there too (in-cluster
 * clients: pods of a kubelet node).
 */
export function nodeRules(ports: number[], apiServer?: KubernetesService): string {
  // The kubernetes Service has no endpoints on the stack (its API server listens on loopback):
  // the node and its pods reach it through the bridge address, as its loopback ports.
  const toApiServer = apiServer
    ? [
      `    ip daddr ${apiServer.ip} tcp dport 443 dnat to ${bridgeAddress()}:${apiServer.port}`,
    ]
    : [];
  return replaceTable(NODE_TABLE, [
    "  chain output {",
    "    type nat hook output priority -100; policy accept;",
    `    ip daddr 127.0.0.1 tcp dport ${portSet(ports)} dnat to ${bridgeAddress()}`,
    ...toApiServer,
    "  }",
    ...(apiServer
      ? ["  chain prerouting {", "    type nat hook prerouting priority -100; policy accept;"]
        .concat(toApiServer, ["  }"])
      : []),
    "  chain postrouting {",
    "    type nat hook postrouting priority 100; policy accept;",
    `    oifname "${NODE_INTERFACE}" ip saddr 127.0.0.0/8 masquerade`,
    "  }",
  ]);
}

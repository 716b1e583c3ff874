/**
 * The node's netfilter leaves the VMs' bridges alone. Frames between a guest's tap and its pod's
 * namespace cross a bridge of the node's namespace (wiring.ts); where br_netfilter is loaded, as
 * on every Kubernetes node, the node's conntrack and NAT see them too, and a CNI's masquerade rule
 * (`-s <pod IP> ! -d <pod CIDR> -j MASQUERADE`) rewrites the source of traffic DNATed to the guest,
 * breaking pod-to-VM connections. A raw-priority `notrack` for frames of those bridges keeps them
 * out of the node's conntrack: one table, a set with one bridge per VM.
 */
import { run, runChecked } from "../../lib/exec.ts";

const TABLE = "denovirt-node";
const SET = "vm-bridges";

/** Exempts `bridge`'s frames from the node's conntrack (made on first use). */
export async function exemptBridge(bridge: string): Promise<void> {
  const present = (await run("nft", ["list", "table", "inet", TABLE])).code === 0;
  const script = [
    ...(present ? [] : [
      `table inet ${TABLE} {`,
      `  set ${SET} { type ifname; }`,
      "  chain prerouting {",
      "    type filter hook prerouting priority raw; policy accept;",
      `    iifname @${SET} notrack`,
      "  }",
      "}",
    ]),
    `add element inet ${TABLE} ${SET} { "${bridge}" }`,
    "",
  ].join("\n");
  await runChecked("nft", ["-f", "-"], { stdin: script });
}

/** Ends `bridge`'s exemption; the table goes with the last one. */
export async function unexemptBridge(bridge: string): Promise<void> {
  await run("nft", ["delete", "element", "inet", TABLE, SET, `{ "${bridge}" }`]);
  const listed = await run("nft", ["list", "set", "inet", TABLE, SET]);
  if (listed.code === 0 && !/elements\s*=/.test(listed.stdout)) {
    await run("nft", ["delete", "table", "inet", TABLE]);
  }
}

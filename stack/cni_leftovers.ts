/**
 * What the CNI plugins leave in the nat table after the last sandbox is gone: `portmap` keeps
 * its shared CNI-HOSTPORT-* chains forever, and a sandbox that was never deleted keeps its
 * `bridge` (ipMasq) and `portmap` chains. `down` removes those of the `denovirt` network, and
 * the shared ones when no other CNI network uses them.
 */
import { run } from "../lib/exec.ts";
import { CNI_NETWORK_NAME } from "./cni_files.ts";

const SHARED_PREFIX = "CNI-HOSTPORT-";

/**
 * The iptables arguments (after `-t nat`) that remove the network's CNI chains from an
 * `iptables-save -t nat` dump: jumps into them by rule number (highest first, so numbers hold),
 * then flush every chain before deleting any (they jump to each other).
 */
export function cniNatCleanup(save: string, network = CNI_NETWORK_NAME): string[][] {
  const chains = new Set<string>();
  const rules: { chain: string; number: number; target?: string; text: string }[] = [];
  const counts = new Map<string, number>();
  for (const line of save.split("\n")) {
    const declared = line.match(/^:(\S+)/);
    if (declared && declared[1]!.startsWith("CNI-")) chains.add(declared[1]!);
    const rule = line.match(/^-A (\S+) (.*)$/);
    if (!rule) continue;
    const chain = rule[1]!;
    const number = (counts.get(chain) ?? 0) + 1;
    counts.set(chain, number);
    const target = rule[2]!.match(/(?:^|\s)-[jg] (\S+)/)?.[1];
    rules.push({ chain, number, target, text: rule[2]! });
  }
  const ours = `name: \\"${network}\\"`;
  const owned = new Set<string>();
  for (const r of rules) {
    if (!r.text.includes(ours)) continue;
    if (chains.has(r.chain) && !r.chain.startsWith(SHARED_PREFIX)) owned.add(r.chain);
    if (r.target && chains.has(r.target) && !r.target.startsWith(SHARED_PREFIX)) {
      owned.add(r.target);
    }
  }
  const others = [...chains].filter((c) => !c.startsWith(SHARED_PREFIX) && !owned.has(c));
  const removed = new Set(owned);
  if (others.length === 0) {
    for (const c of chains) if (c.startsWith(SHARED_PREFIX)) removed.add(c);
  }
  // Jumps from chains that stay (built-in ones, or shared ones that stay) into removed chains.
  const jumps = rules.filter((r) => r.target && removed.has(r.target) && !removed.has(r.chain))
    .sort((a, b) => a.chain.localeCompare(b.chain) || b.number - a.number);
  const sorted = [...removed].sort();
  return [
    ...jumps.map((r) => ["-D", r.chain, String(r.number)]),
    ...sorted.map((c) => ["-F", c]),
    ...sorted.map((c) => ["-X", c]),
  ];
}

/** Whether `nft -j list table ...` shows a table without a single rule. */
export function nftTableIsEmpty(json: string): boolean {
  const items = (JSON.parse(json) as { nftables?: Record<string, unknown>[] }).nftables ?? [];
  return !items.some((item) => "rule" in item);
}

/**
 * Remove the network's CNI chains for IPv4 and IPv6, then the nat tables iptables-nft made
 * for them if nothing is left in them. Returns what could not be removed.
 */
export async function removeCniLeftovers(): Promise<string[]> {
  const failures: string[] = [];
  for (const [tool, family] of [["iptables", "ip"], ["ip6tables", "ip6"]] as const) {
    const save = await run(`${tool}-save`, ["-t", "nat"]);
    if (save.code !== 0) continue;
    for (const args of cniNatCleanup(save.stdout)) {
      const result = await run(tool, ["-t", "nat", ...args]);
      if (result.code !== 0) failures.push(`${tool} -t nat ${args.join(" ")}: ${result.stderr}`);
    }
    const table = await run("nft", ["-j", "list", "table", family, "nat"]);
    if (table.code === 0 && nftTableIsEmpty(table.stdout)) {
      await run("nft", ["delete", "table", family, "nat"]);
    }
  }
  return failures;
}

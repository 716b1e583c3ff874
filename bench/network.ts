/**
 * `deno run -A bench/network.ts [--vms=20]`: what the pod network costs per VM, measured with the
 * agent's own code and no guest: N launcher-pod sandboxes (a network namespace attached by
 * Debian's bridge + host-local plugins) each wired for masquerade (a bridge and a veth pair per
 * VM, nftables rules, one dnsmasq). Reports the DHCP servers' memory (RSS and PSS per VM), the
 * kernel's (Slab and MemAvailable deltas per VM) and the time to make one, then releases all and
 * checks nothing is left. Runs on its own bridge and subnet; writes bench/results/network.md.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import type { Pod } from "../api/mod.ts";
import { vmNetworkOf } from "../agent/network/masquerade.ts";
import { vmLinksOf } from "../agent/network/names.ts";
import { PodSandboxes } from "../agent/network/sandboxes.ts";
import { wireVm } from "../agent/network/wiring.ts";
import { run } from "../lib/exec.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { vms: { type: "string", default: "20" } },
});
const vms = Number(values.vms);
if (!Number.isInteger(vms) || vms < 1 || vms > 200) throw new Error("--vms must be 1 to 200");
const RESULTS = new URL("results/network.md", import.meta.url).pathname;
const BRIDGE = "dvbench0";
const SUBNET = "10.252.0.0/24";

/** /proc/meminfo in KiB. */
async function meminfo(): Promise<Record<string, number>> {
  const text = await Deno.readTextFile("/proc/meminfo");
  return Object.fromEntries(
    text.split("\n").filter((l) => l).map((l) => {
      const [key, value] = l.split(":");
      return [key!, Number.parseInt(value!.trim(), 10)];
    }),
  );
}

/** Rss and Pss of a process in KiB. */
async function memoryOf(pid: number): Promise<{ rss: number; pss: number }> {
  const text = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
  const field = (name: string) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1]);
  return { rss: field("Rss"), pss: field("Pss") };
}

const home = await Deno.makeTempDir({ prefix: "denovirt-bench-network-" });
const confDir = join(home, "net.d");
await Deno.mkdir(confDir);
await Deno.writeTextFile(
  join(confDir, "10-bench.conflist"),
  JSON.stringify({
    cniVersion: "1.0.0",
    name: "denovirt-bench",
    plugins: [{
      type: "bridge",
      bridge: BRIDGE,
      isGateway: true,
      ipam: { type: "host-local", ranges: [[{ subnet: SUBNET }]], dataDir: join(home, "ipam") },
    }],
  }),
);
const sandboxes = new PodSandboxes({
  dataDir: home,
  confDir,
  confTemplate: undefined,
  binDirs: ["/usr/lib/cni"],
  podCIDR: () => Promise.resolve(SUBNET),
});
const uids: string[] = [];
const vmNetwork = vmNetworkOf({ address: "10.0.2.0", prefix: 24 });
try {
  const before = await meminfo();
  const started = performance.now();
  for (let i = 0; i < vms; i++) {
    const uid = crypto.randomUUID();
    uids.push(uid);
    const pod = { metadata: { uid, namespace: "bench", name: `virt-launcher-${i}` } } as Pod;
    const sandbox = await sandboxes.ensure(pod);
    await wireVm({
      podUid: uid,
      netns: sandbox.netns,
      podIP: sandbox.ips[0]!,
      binding: { kind: "masquerade", vmNetwork, ports: undefined },
      dns: [],
      stateDir: sandboxes.dirOf(uid),
    });
  }
  const makeMs = (performance.now() - started) / vms;
  const after = await meminfo();
  let rss = 0;
  let pss = 0;
  for (const uid of uids) {
    const pid = Number(await Deno.readTextFile(join(sandboxes.dirOf(uid), "dnsmasq.pid")));
    const m = await memoryOf(pid);
    rss += m.rss;
    pss += m.pss;
  }
  const perVm = (kib: number) => (kib / vms / 1024).toFixed(2);
  const rows = [
    ["dnsmasq RSS per VM", `${perVm(rss)} MiB`],
    ["dnsmasq PSS per VM (shared pages counted once)", `${perVm(pss)} MiB`],
    ["kernel Slab growth per VM", `${perVm(after.Slab! - before.Slab!)} MiB`],
    [
      "MemAvailable drop per VM (all of it)",
      `${perVm(before.MemAvailable! - after.MemAvailable!)} MiB`,
    ],
    ["time to make one (netns + CNI ADD + wiring + dnsmasq)", `${makeMs.toFixed(0)} ms`],
  ];
  const kernel = (await run("uname", ["-r"])).stdout.trim();
  const report = [
    "# Pod network cost per VM",
    "",
    `${vms} sandboxes wired for masquerade without guests, made by the agent's code one after ` +
    `another (\`deno run -A bench/network.ts --vms=${vms}\`), ${
      new Date().toISOString()
    }, kernel ${kernel}.`,
    "",
    "| figure | value |",
    "| --- | --- |",
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    "",
  ].join("\n");
  console.log(report);
  await Deno.writeTextFile(RESULTS, report);
} finally {
  for (const uid of uids) await sandboxes.release(uid).catch((e) => console.error(`${e}`));
  await run("ip", ["link", "del", BRIDGE]);
  const links = (await run("ip", ["-br", "link"])).stdout;
  const netns = (await run("ip", ["netns", "list"])).stdout;
  const left = uids.filter((uid) =>
    netns.includes(`dv-${uid}`) || links.includes(vmLinksOf(uid).bridge)
  );
  await Deno.remove(home, { recursive: true });
  if (left.length > 0) {
    console.error(`Left behind: ${left.join(", ")}`);
    Deno.exitCode = 1;
  } else console.log("Released every sandbox; nothing left.");
}

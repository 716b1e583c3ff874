/**
 * The chain with Debian's real plugins (bridge + host-local + portmap, then loopback) on a
 * throwaway pod namespace. The machine's root namespace is shared with whatever else runs there,
 * and the bridge plugin changes namespace-wide state (ip_forward, an iptables nat table that
 * iptables-nft never removes), so the node side of this test is a throwaway namespace too: each
 * plugin runs in it through a wrapper, and deleting it takes the bridge and every chain along.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { commandOnPath } from "../../../lib/which.ts";
import {
  createNetns,
  deleteNetns,
  loopbackNetwork,
  netnsExists,
  netnsPath,
  runInNetns,
  runInNetnsChecked,
} from "../netns.ts";
import type { CniNetwork } from "./config.ts";
import { addNetwork, checkNetwork, type CniRuntime, delNetwork } from "./exec.ts";
import { podIPsOf } from "./result.ts";

const DEBIAN_CNI = "/usr/lib/cni";
const PLUGINS = ["bridge", "host-local", "portmap", "loopback"];
const PING = commandOnPath("ping") ? ["ping"] : commandOnPath("busybox") ? ["busybox", "ping"] : [];

const missing = Deno.uid() !== 0
  ? "needs root"
  : PLUGINS.find((p) => commandOnPath(p, DEBIAN_CNI) === undefined)
  ? `needs ${PLUGINS.join(", ")} in ${DEBIAN_CNI} (containernetworking-plugins)`
  : !commandOnPath("ip") || !commandOnPath("iptables-save")
  ? "needs ip and iptables"
  : PING.length === 0
  ? "needs ping or busybox"
  : undefined;

/** Wrappers that run each Debian plugin in the node namespace (also when bridge runs IPAM). */
async function wrapPlugins(binDir: string, nodeNetns: string) {
  await Deno.mkdir(binDir);
  for (const plugin of PLUGINS) {
    await Deno.writeTextFile(
      join(binDir, plugin),
      `#!/bin/sh\nexec ip netns exec ${nodeNetns} ${DEBIAN_CNI}/${plugin}\n`,
      { mode: 0o755 },
    );
  }
}

const natRulesOf = async (netns: string, networkName: string) =>
  (await runInNetnsChecked(netns, "iptables-save", ["-t", "nat"]))
    .split("\n").filter((line) => line.includes(`name: \\"${networkName}\\"`));

const exists = (file: string) => Deno.stat(file).then(() => true, () => false);

Deno.test({
  name: "addNetwork(), checkNetwork() and delNetwork() with Debian's bridge, host-local, " +
    `portmap and loopback plugins${missing ? ` (ignored: ${missing})` : ""}`,
  ignore: missing !== undefined,
  async fn() {
    const id = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
    const node = `dvtest-node-${id}`;
    const pod = `dvtest-pod-${id}`;
    const subnet = `10.250.${Math.floor(Math.random() * 256)}.0/24`;
    const tmp = await Deno.makeTempDir({ prefix: "denovirt-cni-debian-" });
    const dataDir = join(tmp, "ipam");
    const opts = { binDirs: [join(tmp, "bin")], cacheDir: join(tmp, "cache") };
    const net: CniNetwork = {
      name: `dvtest-${id}`,
      cniVersion: "1.0.0",
      file: "",
      plugins: [
        {
          type: "bridge",
          bridge: `dvtest${id}`,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet }]],
            routes: [{ dst: "0.0.0.0/0" }],
            dataDir,
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    };
    const runtime: CniRuntime = {
      containerId: `dvtest-${id}`,
      netns: netnsPath(pod),
      ifName: "eth0",
      podNamespace: "default",
      podName: `virt-launcher-${id}`,
      podUid: `dvtest-${id}`,
    };
    const lo = { ...runtime, ifName: "lo" };
    let deleted = false;
    try {
      await createNetns(node);
      await createNetns(pod);
      await wrapPlugins(opts.binDirs[0]!, node);

      const result = await addNetwork(net, runtime, opts);
      const ips = podIPsOf(result, "eth0");
      assert.equal(ips.length, 1, JSON.stringify(result));
      const ip = ips[0]!;
      assert.ok(ip.startsWith(subnet.slice(0, subnet.lastIndexOf(".") + 1)), ip);
      assert.deepEqual(podIPsOf(await addNetwork(loopbackNetwork(), lo, opts), "lo"), [
        "127.0.0.1",
        "::1",
      ]);
      assert.match(
        await runInNetnsChecked(pod, "ip", ["-o", "-4", "addr", "show", "eth0"]),
        new RegExp(ip),
      );

      // The node side reaches the pod through the bridge, as the agent's port-forward will.
      const ping = await runInNetns(node, PING[0]!, [...PING.slice(1), "-c", "1", "-W", "2", ip]);
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
      await checkNetwork(net, runtime, opts);

      const ipFile = join(dataDir, net.name, ip);
      assert.ok(await exists(ipFile), "host-local holds the address");
      assert.ok((await natRulesOf(node, net.name)).length > 0, "ipMasq made its chain");

      await delNetwork(loopbackNetwork(), lo, opts);
      await delNetwork(net, runtime, opts);
      deleted = true;
      assert.equal(await exists(ipFile), false, "host-local released the address");
      assert.deepEqual(await natRulesOf(node, net.name), [], "ipMasq's chain is gone");
      assert.deepEqual([...Deno.readDirSync(opts.cacheDir)], []);

      // DEL again, with the namespace gone, and of a pod never added: all succeed.
      await deleteNetns(pod);
      await delNetwork(net, runtime, opts);
      await delNetwork(net, { ...runtime, containerId: `never-${id}`, netns: "" }, opts);
    } finally {
      if (!deleted) await delNetwork(net, runtime, opts).catch(() => {});
      await deleteNetns(pod).catch(() => {});
      // The node namespace takes the bridge, the veth and every iptables chain with it.
      await deleteNetns(node).catch(() => {});
      await Deno.remove(tmp, { recursive: true });
    }
    assert.equal(await netnsExists(pod), false);
    assert.equal(await netnsExists(node), false);
  },
});

/**
 * wireVm()/unwireVm() on real namespaces: a pod namespace made here (as a CNI would make it) and
 * a "guest" namespace on the VM's bridge that asks for its address by DHCP and serves HTTP.
 * Traffic goes only to these namespaces. Needs root and iproute2, nft, dnsmasq and busybox.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "../../lib/exec.ts";
import { commandOnPath } from "../../lib/which.ts";
import { vmNetworkOf } from "./masquerade.ts";
import { vmLinksOf } from "./names.ts";
import { type Binding, unwireVm, wireVm } from "./wiring.ts";

const TOOLS = ["ip", "nft", "dnsmasq", "busybox"];
const missing = Deno.uid() !== 0 ? "root" : TOOLS.find((t) => !commandOnPath(t));

/** A third octet from `from` to `from + 124`: the two tests never share a subnet. */
function randomOctet(from: number): number {
  return from + Math.floor(Math.random() * 125);
}

async function sh(...args: string[]) {
  const r = await run(args[0]!, args.slice(1));
  if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A pod namespace with eth0 on a bridge of the node's namespace, and an empty guest namespace. */
async function withPodAndGuest(
  octet: number,
  fn: (
    p: { podUid: string; netns: string; podIP: string; guestNs: string; dir: string },
  ) => Promise<void>,
) {
  const id = crypto.randomUUID();
  const tag = id.slice(0, 6);
  const netns = `dvt-pod-${tag}`;
  const guestNs = `dvt-guest-${tag}`;
  const nodeBridge = `dvtn${tag}`;
  const podIP = `10.251.${octet}.5`;
  const dir = await Deno.makeTempDir({ prefix: "denovirt-wiring-" });
  const links = vmLinksOf(id);
  try {
    await sh("ip", "netns", "add", netns);
    await sh("ip", "netns", "add", guestNs);
    await sh("ip", "link", "add", nodeBridge, "type", "bridge");
    await sh("ip", "addr", "add", `10.251.${octet}.1/24`, "dev", nodeBridge);
    await sh("ip", "link", "set", nodeBridge, "up");
    await sh(
      "ip",
      "link",
      "add",
      `${nodeBridge}p`,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      netns,
    );
    await sh("ip", "link", "set", `${nodeBridge}p`, "master", nodeBridge, "up");
    await sh("ip", "-n", netns, "addr", "add", `${podIP}/24`, "dev", "eth0");
    await sh("ip", "-n", netns, "link", "set", "eth0", "up");
    await sh("ip", "-n", netns, "route", "add", "default", "via", `10.251.${octet}.1`);
    await fn({ podUid: id, netns, podIP, guestNs, dir });
  } finally {
    await unwireVm(id, netns, join(dir, "state")).catch(() => {});
    // The guest's servers, also when an assertion failed before the test stopped them.
    await killGuestServers(guestNs);
    for (const link of [links.rootVeth, links.bridge, `${nodeBridge}p`, nodeBridge, `${tag}g`]) {
      await run("ip", ["link", "del", link]);
    }
    await run("ip", ["netns", "del", netns]);
    await run("ip", ["netns", "del", guestNs]);
    await Deno.remove(dir, { recursive: true });
  }
}

/** Puts the guest namespace on the VM's bridge, gets its lease, serves HTTP on port 80 and 22. */
async function bootGuest(guestNs: string, bridge: string, dir: string) {
  const tag = guestNs.slice(-6);
  await sh(
    "ip",
    "link",
    "add",
    `${tag}g`,
    "type",
    "veth",
    "peer",
    "name",
    "eth0",
    "netns",
    guestNs,
  );
  await sh("ip", "link", "set", `${tag}g`, "master", bridge, "up");
  await sh("ip", "-n", guestNs, "link", "set", "eth0", "up");
  await sh("ip", "-n", guestNs, "link", "set", "lo", "up");
  const script = join(dir, "udhcpc.sh");
  await Deno.writeTextFile(
    script,
    '#!/bin/sh\n[ "$1" = bound ] || exit 0\nip addr add "$ip/$mask" dev "$interface"\n' +
      'ip route add default via "$router"\necho "$ip $router $dns" > "$0.lease"\n',
  );
  await Deno.chmod(script, 0o755);
  await sh(
    "ip",
    "netns",
    "exec",
    guestNs,
    "busybox",
    "udhcpc",
    "-i",
    "eth0",
    "-s",
    script,
    "-n",
    "-q",
    "-t",
    "10",
    "-T",
    "1",
  );
  const www = join(dir, "www");
  await Deno.mkdir(www);
  await Deno.writeTextFile(join(www, "index.html"), "hello from the guest\n");
  for (const port of ["80", "22"]) {
    await sh("ip", "netns", "exec", guestNs, "busybox", "httpd", "-p", port, "-h", www);
  }
  return (await Deno.readTextFile(`${script}.lease`)).trim();
}

/** The body of `GET /` on host:port over a raw connection (fetch refuses port 22). */
async function get(host: string, port: number): Promise<string> {
  const conn = await Deno.connect({ hostname: host, port });
  try {
    await conn.write(new TextEncoder().encode(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    const text = await new Response(conn.readable).text();
    return text.slice(text.indexOf("\r\n\r\n") + 4);
  } catch (error) {
    conn.close();
    throw error;
  }
}

async function refused(host: string, port: number): Promise<boolean> {
  try {
    await get(host, port);
    return false;
  } catch {
    return true;
  }
}

Deno.test({
  name: "wireVm() masquerade: the guest gets .2 by DHCP and listed ports of the pod IP reach it",
  ignore: missing !== undefined,
  async fn() {
    await withPodAndGuest(randomOctet(1), async ({ podUid, netns, podIP, guestNs, dir }) => {
      const binding: Binding = {
        kind: "masquerade",
        vmNetwork: vmNetworkOf({ address: "10.0.2.0", prefix: 24 }),
        ports: [{ port: 80 }],
      };
      const w = {
        podUid,
        netns,
        podIP,
        binding,
        dns: ["192.0.2.53"],
        stateDir: join(dir, "state"),
      };
      const links = await wireVm(w);
      assert.deepEqual(await wireVm(w), links, "a second pass changes nothing");
      const exempt = await sh("nft", "list", "set", "inet", "denovirt-node", "vm-bridges");
      assert.ok(exempt.includes(`"${links.bridge}"`), exempt);
      assert.equal(await bootGuest(guestNs, links.bridge, dir), "10.0.2.2 10.0.2.1 192.0.2.53");
      assert.equal(await get(podIP, 80), "hello from the guest\n");
      assert.ok(await refused(podIP, 22), "port 22 is not forwarded");
      await unwireVm(podUid, netns, w.stateDir);
      assert.ok(await refused(podIP, 80));
      assert.equal((await run("ip", ["link", "show", "dev", links.bridge])).code, 1);
      const after = await run("nft", ["list", "set", "inet", "denovirt-node", "vm-bridges"]);
      assert.ok(!after.stdout.includes(`"${links.bridge}"`), "the exemption goes with the VM");
      assert.doesNotMatch(
        await sh("ip", "netns", "exec", netns, "nft", "list", "tables"),
        /denovirt/,
      );
    });
  },
});

Deno.test({
  name: "wireVm() bridge: the guest gets the pod IP by DHCP and answers on it",
  ignore: missing !== undefined,
  async fn() {
    await withPodAndGuest(randomOctet(126), async ({ podUid, netns, podIP, guestNs, dir }) => {
      const w = {
        podUid,
        netns,
        podIP,
        binding: { kind: "bridge" } as Binding,
        dns: [],
        stateDir: join(dir, "state"),
      };
      const links = await wireVm(w);
      await wireVm(w);
      const [address, router] = (await bootGuest(guestNs, links.bridge, dir)).split(" ");
      assert.equal(address, podIP);
      assert.match(router ?? "", /^10\.251\.\d+\.1$/);
      assert.equal(await get(podIP, 22), "hello from the guest\n");
    });
  },
});

async function killGuestServers(guestNs: string) {
  const pids = (await run("ip", ["netns", "pids", guestNs])).stdout.split("\n").filter((p) => p);
  for (const pid of pids) await run("kill", [pid]);
}

/** iproute2 calls for links and addresses, in the node's namespace or a pod's. */
import { run, runChecked } from "../../lib/exec.ts";

/** Runs `ip [-n netns] args`, throwing with ip's message on failure. */
export async function ip(args: string[], netns?: string, stdin?: string): Promise<string> {
  const full = netns === undefined ? args : ["-n", netns, ...args];
  const result = await run("ip", full, stdin === undefined ? {} : { stdin });
  if (result.code !== 0) {
    throw new Error(
      `ip ${full.join(" ")} failed: ${result.stderr.trim() || `exit ${result.code}`}`,
    );
  }
  return result.stdout;
}

/** Runs `command args` inside the network namespace `netns` (`ip netns exec`). */
export async function inNetns(
  netns: string,
  command: string,
  args: string[],
  stdin?: string,
): Promise<string> {
  return await runChecked("ip", ["netns", "exec", netns, command, ...args], { stdin });
}

/** Whether a link of that name exists (in `netns`, else the node's namespace). */
export async function linkExists(name: string, netns?: string): Promise<boolean> {
  const full = ["link", "show", "dev", name];
  const result = await run("ip", netns === undefined ? full : ["-n", netns, ...full]);
  return result.code === 0;
}

/** Deletes a link if it exists. */
export async function deleteLink(name: string, netns?: string): Promise<void> {
  if (await linkExists(name, netns)) await ip(["link", "del", "dev", name], netns);
}

/** The IPv4 addresses (`a.b.c.d/prefix`) of a link. */
export async function ipv4AddressesOf(name: string, netns?: string): Promise<string[]> {
  const text = await ip(["-j", "-4", "addr", "show", "dev", name], netns);
  const links = JSON.parse(text || "[]") as Array<
    { addr_info?: Array<{ local?: string; prefixlen?: number }> }
  >;
  return links.flatMap((l) => l.addr_info ?? [])
    .filter((a) => a.local !== undefined)
    .map((a) => `${a.local}/${a.prefixlen}`);
}

/** The IPv4 default gateway in `netns`, if any. */
export async function defaultGatewayOf(netns: string): Promise<string | undefined> {
  const text = await ip(["-j", "-4", "route", "show", "default"], netns);
  const routes = JSON.parse(text || "[]") as Array<{ gateway?: string }>;
  return routes.find((r) => r.gateway)?.gateway;
}

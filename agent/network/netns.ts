/**
 * Named network namespaces (`ip netns`, so `/run/netns/<name>`): a launcher pod's sandbox on a
 * node without a kubelet, and the loopback network a runtime adds to every sandbox.
 */
import { type CommandResult, run, runChecked } from "../../lib/exec.ts";
import type { CniNetwork } from "./cni/config.ts";

const NETNS_DIR = "/run/netns";

/** The path of the namespace `name`, as CNI_NETNS. */
export function netnsPath(name: string): string {
  checkName(name);
  return `${NETNS_DIR}/${name}`;
}

/** Whether the namespace `name` exists. */
export async function netnsExists(name: string): Promise<boolean> {
  try {
    await Deno.lstat(netnsPath(name));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Creates the namespace `name`, or keeps the one there; answers its path. */
export async function createNetns(name: string): Promise<string> {
  const path = netnsPath(name);
  if (await netnsExists(name)) return path;
  const result = await run("ip", ["netns", "add", name]);
  // Another caller may have made it meanwhile: that one is as good.
  if (result.code !== 0 && !(await netnsExists(name))) {
    throw new Error(`Cannot create network namespace ${name}: ${result.stderr.trim()}`);
  }
  return path;
}

/** Deletes the namespace `name`; one that is not there is already deleted. */
export async function deleteNetns(name: string): Promise<void> {
  if (!(await netnsExists(name))) return;
  const result = await run("ip", ["netns", "delete", name]);
  if (result.code !== 0 && (await netnsExists(name))) {
    throw new Error(`Cannot delete network namespace ${name}: ${result.stderr.trim()}`);
  }
}

/** Runs a command inside the namespace `name`; never throws for a non-zero exit. */
export function runInNetns(
  name: string,
  command: string,
  args: string[],
  options: { stdin?: string } = {},
): Promise<CommandResult> {
  checkName(name);
  return run("ip", ["netns", "exec", name, command, ...args], options);
}

/** Runs a command inside the namespace `name`; throws with its stderr when it fails. */
export function runInNetnsChecked(
  name: string,
  command: string,
  args: string[],
  options: { stdin?: string } = {},
): Promise<string> {
  checkName(name);
  return runChecked("ip", ["netns", "exec", name, command, ...args], options);
}

/** The network containerd adds on `lo` of every sandbox before the pod network. */
export function loopbackNetwork(): CniNetwork {
  return {
    name: "cni-loopback",
    cniVersion: "0.3.1",
    plugins: [{ type: "loopback" }],
    file: "",
  };
}

/** `ip netns` names are file names under /run/netns. */
function checkName(name: string): void {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.length > 255) {
    throw new Error(`Invalid network namespace name "${name}"`);
  }
}

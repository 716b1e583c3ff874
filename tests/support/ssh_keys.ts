/** SSH key pairs from ssh-keygen, and the OpenSSH client run against 127.0.0.1 only. */
import { join } from "node:path";
import { type CommandResult, run, runChecked } from "../../lib/exec.ts";
import { commandExists } from "../../stack/fixture/host_tools.ts";

export interface SshKeyPair {
  /** The private key file (mode 600, as ssh wants it). */
  privateKey: string;
  /** The public key line, `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
}

/** A new passphrase-less ed25519 key pair in `dir`. */
export async function makeSshKeyPair(dir: string, name = "id_ed25519"): Promise<SshKeyPair> {
  await requireOpenSsh();
  const privateKey = join(dir, name);
  await runChecked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", privateKey]);
  return { privateKey, publicKey: (await Deno.readTextFile(`${privateKey}.pub`)).trim() };
}

export interface LoopbackSsh {
  /** The forwarded loopback port. */
  port: number;
  key: SshKeyPair;
  /** The server's host key, `ssh-ed25519 AAAA...`: the only one accepted. */
  hostKey: string;
  /** Where to write the known_hosts file. */
  dir: string;
  user?: string;
}

/** Run `command` as root (or `user`) over SSH to 127.0.0.1:port, checking the host key, without prompts. */
export async function sshLoopback(target: LoopbackSsh, command: string): Promise<CommandResult> {
  await requireOpenSsh();
  const knownHosts = join(target.dir, `known_hosts.${target.port}`);
  await Deno.writeTextFile(knownHosts, `[127.0.0.1]:${target.port} ${target.hostKey}\n`);
  const options = {
    BatchMode: "yes",
    IdentitiesOnly: "yes",
    PasswordAuthentication: "no",
    StrictHostKeyChecking: "yes",
    UserKnownHostsFile: knownHosts,
    GlobalKnownHostsFile: "/dev/null",
    ConnectTimeout: "30",
    LogLevel: "ERROR",
  };
  return await run("ssh", [
    ...["-F", "/dev/null", "-i", target.key.privateKey, "-p", String(target.port)],
    ...Object.entries(options).flatMap(([name, value]) => ["-o", `${name}=${value}`]),
    `${target.user ?? "root"}@127.0.0.1`,
    command,
  ]);
}

async function requireOpenSsh() {
  for (const command of ["ssh", "ssh-keygen"]) {
    if (!(await commandExists(command))) {
      throw new Error(`Cannot run ${command}: install the Debian package openssh-client`);
    }
  }
}

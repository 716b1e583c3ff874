/**
 * A network namespace for chromium. Chromium aborts the requests in flight whenever the host's
 * interfaces change (ERR_NETWORK_CHANGED), and every VM that starts adds some; in a namespace of
 * its own it sees none of them. Its connections to 127.0.0.1:<port> are sent over a veth to a relay
 * this process runs on the host's side, which forwards them to the host's 127.0.0.1:<port>: pages
 * keep the URLs the stack wrote. Everything is removed afterwards, even on failure.
 */
import { join } from "node:path";
import { runChecked } from "../../lib/exec.ts";

/** Where chromium runs: the wrapper to launch instead of chromium, and how to undo it all. */
export interface BrowserNetns {
  executablePath: string;
  close(): Promise<void>;
}

/** Relays every connection to `listener` to 127.0.0.1:`port`, until the listener closes. */
async function relay(listener: Deno.Listener, port: number): Promise<void> {
  for await (const conn of listener) {
    Deno.connect({ hostname: "127.0.0.1", port }).then((upstream) => {
      const done = () => {
        for (const c of [conn, upstream]) {
          try {
            c.close();
          } catch {
            // Already closed by the other direction.
          }
        }
      };
      Promise.allSettled([
        conn.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(conn.writable),
      ]).finally(done);
    }, () => conn.close());
  }
}

/** A namespace in which `chromium` reaches the host's 127.0.0.1:`port`. */
export async function browserNetns(chromium: string, port: number): Promise<BrowserNetns> {
  const id = crypto.randomUUID().slice(0, 6);
  const [ns, hostSide, nsSide] = [`dvbrowser-${id}`, `dvbh${id}`, `dvbp${id}`];
  // A /30 of 10.253.0.0/16 (not the pod or node networks); tests run one at a time.
  const third = Math.floor(Math.random() * 256);
  const [hostIp, nsIp] = [`10.253.${third}.1`, `10.253.${third}.2`];
  const dir = await Deno.makeTempDir({ prefix: "denovirt-browser-" });
  let listener: Deno.Listener | undefined;
  const close = async () => {
    listener?.close();
    // Deleting the namespace deletes its end of the veth, and with it the host's end.
    await runChecked("ip", ["netns", "delete", ns]).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const ip = (...args: string[]) => runChecked("ip", args);
    await ip("netns", "add", ns);
    // No IPv6 in the namespace: a link-local address finishing duplicate address detection a
    // second or two after chromium starts is an interface change, and aborts its requests too.
    for (const scope of ["all", "default"]) {
      await ip("netns", "exec", ns, "sysctl", "-qw", `net.ipv6.conf.${scope}.disable_ipv6=1`);
    }
    await ip("link", "add", hostSide, "type", "veth", "peer", "name", nsSide, "netns", ns);
    await ip("addr", "add", `${hostIp}/30`, "dev", hostSide);
    await ip("link", "set", hostSide, "up");
    await ip("-n", ns, "addr", "add", `${nsIp}/30`, "dev", nsSide);
    await ip("-n", ns, "link", "set", nsSide, "up");
    await ip("-n", ns, "link", "set", "lo", "up");
    // 127.0.0.1:<port> leaves over the veth (route_localnet lets a loopback address be routed).
    await ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1");
    await runChecked("ip", ["netns", "exec", ns, "nft", "-f", "-"], {
      stdin: `table ip browser {
  chain output { type nat hook output priority -100; ip daddr 127.0.0.1 tcp dport ${port} dnat to ${hostIp}; }
  chain postrouting { type nat hook postrouting priority 100; oifname "${nsSide}" masquerade; }
}
`,
    });
    listener = Deno.listen({ hostname: hostIp, port });
    relay(listener, port).catch(() => {});
    const executablePath = join(dir, "chromium");
    await Deno.writeTextFile(
      executablePath,
      `#!/bin/sh\nexec ip netns exec ${ns} ${chromium} "$@"\n`,
    );
    await Deno.chmod(executablePath, 0o755);
    return { executablePath, close };
  } catch (error) {
    await close();
    throw error;
  }
}

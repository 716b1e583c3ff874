/** The serial console: a unix socket clients attach to, and a log of everything the guest wrote. */
import { join } from "node:path";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";
import { domainNameFor } from "./identity.ts";
import type { NodeFacts } from "./types.ts";
import { el, type XmlElement } from "./xml.ts";

// sun_path holds 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 107;

export interface VmiRunPaths {
  /** The VMI's directory under the node's run dir; the agent creates it before starting. */
  dir: string;
  /** The serial console's unix socket (QEMU listens, clients connect). */
  serialSocket: string;
  /** Everything the guest wrote to its serial console (virtlogd appends to it). */
  serialLog: string;
  /** The graphics device's VNC server (QEMU listens, the `vnc` subresource connects). */
  vncSocket: string;
}

/**
 * The VMI's run paths: `<runDir>/<namespace>_<name>/`, or `<runDir>/<uid>/` when the socket
 * path would be too long for a unix socket (`serial.sock` is the longest socket name).
 */
export function vmiRunPathsFor(
  vmi: VirtualMachineInstance,
  node: Pick<NodeFacts, "runDir">,
): VmiRunPaths {
  const paths = (dir: string) => ({
    dir,
    serialSocket: join(dir, "serial.sock"),
    serialLog: join(dir, "serial.log"),
    vncSocket: join(dir, "vnc.sock"),
  });
  const byName = paths(join(node.runDir, domainNameFor(vmi)));
  if (fits(byName.serialSocket)) return byName;
  const uid = vmi.metadata.uid;
  const byUid = uid ? paths(join(node.runDir, uid)) : undefined;
  if (byUid && fits(byUid.serialSocket)) return byUid;
  throw new TerminalError(
    `The serial console socket ${byName.serialSocket} is longer than a unix socket path can be: ` +
      `shorten the agent's run directory ${node.runDir}`,
  );
}

function fits(path: string): boolean {
  return new TextEncoder().encode(path).length <= MAX_SOCKET_PATH_BYTES;
}

/**
 * `<serial>` and `<console>` on a bound unix socket with a `<log>`, unless
 * `autoattachSerialConsole` is false; `logSerialConsole: false` leaves out the log.
 */
export function serialElements(vmi: VirtualMachineInstance, node: NodeFacts): XmlElement[] {
  const devices = vmi.spec.domain.devices;
  if (devices.autoattachSerialConsole === false) return [];
  const paths = vmiRunPathsFor(vmi, node);
  const source = el("source", { mode: "bind", path: paths.serialSocket });
  return [
    el(
      "serial",
      { type: "unix" },
      source,
      devices.logSerialConsole !== false && el("log", { file: paths.serialLog, append: "on" }),
      el("target", { type: "isa-serial", port: 0 }, el("model", { name: "isa-serial" })),
    ),
    el("console", { type: "unix" }, source, el("target", { type: "serial", port: 0 })),
  ];
}

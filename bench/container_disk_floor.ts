/**
 * The floor of a containerDisk start's image work, done by hand with standard tools: `skopeo
 * copy` of the image from the registry to a local directory, `tar` out of its layer the disk,
 * `qemu-img create` of a qcow2 overlay on it. What the agent does besides (admission, scheduling,
 * libvirt, status) is not in it.
 */
import { join } from "node:path";
import { runChecked } from "../lib/exec.ts";

export interface FloorSample {
  skopeoS: number;
  tarS: number;
  overlayS: number;
  totalS: number;
}

/** Times the three steps for `image` (`host/repo:tag` on a plain-HTTP registry) in `dir`. */
export async function floorOf(image: string, dir: string): Promise<FloorSample> {
  const copied = join(dir, "copied");
  const unpacked = join(dir, "unpacked");
  await Deno.mkdir(unpacked, { recursive: true });
  const timed = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return (performance.now() - started) / 1000;
  };
  try {
    const skopeoS = await timed(() =>
      runChecked("skopeo", [
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        `docker://${image}`,
        `dir:${copied}`,
      ])
    );
    let disk = "";
    const tarS = await timed(async () => {
      const manifest = JSON.parse(await Deno.readTextFile(join(copied, "manifest.json")));
      const layer = join(copied, String(manifest.layers[0].digest).replace(/^sha256:/, ""));
      await runChecked("tar", ["-xzf", layer, "-C", unpacked]);
      const [file] = await Array.fromAsync(Deno.readDir(join(unpacked, "disk")));
      disk = join(unpacked, "disk", file!.name);
    });
    const overlayS = await timed(() =>
      runChecked("qemu-img", [
        "create",
        "-q",
        "-f",
        "qcow2",
        "-F",
        "qcow2",
        "-b",
        disk,
        join(dir, "overlay.qcow2"),
      ])
    );
    return { skopeoS, tarS, overlayS, totalS: skopeoS + tarS + overlayS };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The floor: the same domains started straight through libvirt at the same pace, rendered by the
 * agent's own `domainXmlFor` from the VMIs the stack made. Their namespace differs and their
 * metadata names the node `bench-floor`, so no agent takes them for its own (agent/vmi/plan.ts).
 */
import { join } from "node:path";
import { domainXmlFor, type NodeFacts, vmiRunPathsFor } from "../agent/domain/mod.ts";
import { hostDiskDir } from "../stack/roles.ts";
import { copyDisks, removeFiles } from "./disks.ts";
import { atPace, pollUntil } from "./pace.ts";
import { MarkerTail, watchMarkers } from "./serial_marker.ts";
import { panicNote, type StartContext, type Vmi } from "./start_latency.ts";

/** The floor's domains are `<FLOOR_NAMESPACE>_<name>`. */
export const FLOOR_NAMESPACE = "benchfloor";

export interface FloorRun {
  names: string[];
  /** defineXml + start until the domain is running, seconds, per domain. */
  runningS: number[];
  /** defineXml + start until the marker is in the serial log, seconds, per domain. */
  markerS: number[];
  /** Guests whose kernel panicked before the marker. */
  panicked: number;
}

/** A copy of a VMI that renders as a floor domain: another name, uid and domain UUID. */
export function floorVmi(vmi: Vmi): Vmi {
  const copy = structuredClone(vmi);
  copy.metadata = {
    name: vmi.metadata?.name ?? "",
    namespace: FLOOR_NAMESPACE,
    uid: crypto.randomUUID(),
  };
  const firmware = copy.spec.domain.firmware;
  if (firmware?.uuid) firmware.uuid = crypto.randomUUID();
  return copy;
}

/** Starts one floor domain per VMI, `intervalMs` apart, times them, then removes them. */
export async function startThroughLibvirt(
  ctx: StartContext,
  vmis: Vmi[],
  opts: { intervalMs: number; timeoutMs: number },
): Promise<FloorRun> {
  const { libvirt, stack, say } = ctx;
  const node: NodeFacts = {
    name: "bench-floor",
    kvm: stack.kvm,
    runDir: join(stack.paths.data, "bench-floor-run"),
  };
  const copies = vmis.map(floorVmi);
  const names = copies.map((v) => v.metadata.name!);
  const disks = await copyDisks(
    ctx.diskRaw,
    hostDiskDir(stack.paths),
    names.map((n) => `floor-${n}`),
  );
  const xmls = copies.map((vmi) => {
    const path = disks.get(`floor-${vmi.metadata.name}`)!;
    const disk = vmi.spec.volumes?.[0]?.name ?? "rootdisk";
    return domainXmlFor(vmi, node, [{ name: disk, path, format: "raw", device: "file" }]);
  });
  const logs = copies.map((vmi) => vmiRunPathsFor(vmi, node));
  for (const paths of logs) await Deno.mkdir(paths.dir, { recursive: true });
  const markers = new Map<string, number>();
  const tails = new Map(names.map((n, i) => [n, new MarkerTail(logs[i]!.serialLog, ctx.marker)]));
  const stop = new AbortController();
  const polling = watchMarkers(tails, markers, stop.signal);
  const startedAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const uuids: string[] = [];
  try {
    say(`floor: starting ${names.length} domains through libvirt ${opts.intervalMs} ms apart`);
    await atPace(names.length, opts.intervalMs, async (i) => {
      startedAt.set(names[i]!, performance.now());
      const domain = await libvirt.defineXml(xmls[i]!);
      uuids.push(domain.uuid);
      await libvirt.start(domain.uuid);
      await pollUntil(
        async () => (await libvirt.state(domain.uuid)).state === "running",
        30_000,
        10,
      );
      runningAt.set(names[i]!, performance.now());
    });
    const all = await pollUntil(
      () => names.every((n) => markers.has(n) || tails.get(n)!.panicked),
      opts.timeoutMs,
    );
    say(
      `floor: ${runningAt.size}/${names.length} running, ${markers.size}/${names.length} markers` +
        panicNote(tails.values()) +
        (all ? "" : ` (gave up after ${opts.timeoutMs / 1000} s)`),
    );
    const since = (seen: Map<string, number>) =>
      names.map((n) => ((seen.get(n) ?? NaN) - (startedAt.get(n) ?? NaN)) / 1000);
    const panicked = [...tails.values()].filter((t) => t.panicked).length;
    return { names, runningS: since(runningAt), markerS: since(markers), panicked };
  } finally {
    stop.abort();
    await polling;
    await Promise.all(uuids.map(async (uuid) => {
      await libvirt.destroy(uuid).catch(() => {});
      await libvirt.undefine(uuid).catch(() => {});
    }));
    await removeFiles([...disks.values(), node.runDir]);
  }
}

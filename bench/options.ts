/** The bench's command line: `--quick` or full defaults, each overridable. */
import { parseArgs } from "node:util";

/** The parts of the bench, in the order they run. */
export const PARTS = ["start", "idle", "webhook", "scale"] as const;
export type Part = typeof PARTS[number];

export interface BenchOptions {
  mode: "quick" | "full";
  /** Names the results: `<out>/<name>.json` and `<name>.md`. */
  name: string;
  out: string;
  /** VMs started (and libvirt domains in the floor). */
  n: number;
  /** Pause between creates (and between the floor's starts). */
  intervalMs: number;
  /** Guest memory of the bench VMs. */
  guestMemory: string;
  /** How long to wait for every guest's marker before giving up on the stragglers. */
  bootTimeoutS: number;
  webhookRate: number;
  webhookSeconds: number;
  /** Creates through the API server with, and again without, the webhooks. */
  webhookCreates: number;
  scaleVms: number;
  fakeNodes: number;
  /** Running VMs the idle part measures with, and the length of its window. */
  idleVms: number;
  idleSeconds: number;
  parts: Part[];
  /** Start controllers and agent when the stack does not (before they join the stack). */
  startRoles: boolean;
}

export const USAGE = `Usage: deno task bench [--quick] [flags]

  --quick                 N=5, 20 s idle window, 5 s of webhook load, 100 VMs for scale (results: quick.json)
  --name=NAME             results name (default: quick or full)
  --out=DIR               results directory (default bench/results)
  --n=N                   VMs in the start-latency and footprint parts (full: 100)
  --interval-ms=MS        pause between creates (default 100)
  --guest-memory=Q        guest memory (default 96Mi: the fixture reboots in a loop at 64Mi)
  --boot-timeout=S        seconds to wait for the guests' markers (default 120 + 10 per VM)
  --webhook-rate=R        admission requests per second (full: 200)
  --webhook-seconds=S     length of the webhook run (full: 30, quick: 5)
  --webhook-creates=N     dry-run creates with and without the webhooks (default 100)
  --scale=N               VMs in the control-plane scale part (full: 1000, quick: 100)
  --fake-nodes=N          Nodes that take the scale part's VMIs without booting them (4)
  --idle-vms=N            running VMs while the idle part measures CPU (full: 20, quick: N)
  --idle-seconds=S        the idle part's window (full: 60, quick: 20)
  --parts=a,b             only these parts of start,idle,webhook,scale
  --start-roles           start controllers/agent when the stack does not yet`;

const RESULTS_DIR = new URL("./results", import.meta.url).pathname;

/** Parses the bench's flags; throws with a message naming the flag. */
export function parseBenchOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      quick: { type: "boolean" },
      name: { type: "string" },
      out: { type: "string" },
      n: { type: "string" },
      "interval-ms": { type: "string" },
      "guest-memory": { type: "string" },
      "boot-timeout": { type: "string" },
      "webhook-rate": { type: "string" },
      "webhook-seconds": { type: "string" },
      "webhook-creates": { type: "string" },
      scale: { type: "string" },
      "fake-nodes": { type: "string" },
      "idle-vms": { type: "string" },
      "idle-seconds": { type: "string" },
      parts: { type: "string" },
      "start-roles": { type: "boolean" },
    },
  });
  const quick = values.quick === true;
  const number = (flag: keyof typeof values, fallback: number, min = 1): number => {
    const text = values[flag];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) {
      throw new Error(`--${flag} must be a number of at least ${min}, not ${String(text)}`);
    }
    return value;
  };
  const n = Math.round(number("n", quick ? 5 : 100));
  return {
    mode: quick ? "quick" : "full",
    name: values.name ?? (quick ? "quick" : "full"),
    out: values.out ?? RESULTS_DIR,
    n,
    intervalMs: number("interval-ms", 100, 0),
    guestMemory: values["guest-memory"] ?? "96Mi",
    bootTimeoutS: number("boot-timeout", 120 + 10 * n),
    webhookRate: number("webhook-rate", 200),
    webhookSeconds: number("webhook-seconds", quick ? 5 : 30),
    webhookCreates: Math.round(number("webhook-creates", 100)),
    scaleVms: Math.round(number("scale", quick ? 100 : 1000)),
    fakeNodes: Math.round(number("fake-nodes", 4)),
    idleVms: Math.round(number("idle-vms", quick ? n : 20)),
    idleSeconds: number("idle-seconds", quick ? 20 : 60),
    parts: partsOf(values.parts),
    startRoles: values["start-roles"] === true,
  };
}

function partsOf(text: string | undefined): Part[] {
  if (text === undefined) return [...PARTS];
  const asked = text.split(",").map((p) => p.trim()).filter((p) => p);
  for (const part of asked) {
    if (!(PARTS as readonly string[]).includes(part)) {
      throw new Error(`--parts: unknown part ${JSON.stringify(part)} (known: ${PARTS.join(", ")})`);
    }
  }
  return PARTS.filter((p) => asked.includes(p));
}

/** The results as JSON (keys sorted, so diffs between runs stay small) and as a Markdown report. */
import type { Conditions } from "./conditions.ts";
import type { ScaleFigures, StartFigures, WebhookFigures } from "./figures.ts";
import type { FootprintFigures } from "./footprint.ts";
import type { IdleFigures } from "./idle.ts";
import { idleSection } from "./idle_report.ts";
import { table } from "./md_table.ts";
import { breakdownRows } from "./start_breakdown.ts";
import { apiServerWebhookSection } from "./webhook_apiserver_report.ts";

export interface BenchResults {
  name: string;
  mode: "quick" | "full";
  date: string;
  seconds: number;
  conditions: Conditions;
  start?: StartFigures;
  footprint?: FootprintFigures;
  idle?: IdleFigures;
  webhook?: WebhookFigures;
  scale?: ScaleFigures;
}

/** JSON with every object's keys in sorted order; non-finite numbers become null. */
export function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sorted(value), null, 2) + "\n";
}

/** The Markdown report; `svgFile` is the start-latency plot beside it. */
export function markdownReport(r: BenchResults, svgFile: string | undefined): string {
  const c = r.conditions;
  const parts = [
    `# denovirt benchmarks: ${r.name}`,
    "",
    `${r.mode === "quick" ? "Quick" : "Full"} run of \`deno task bench\` on ${r.date}, ` +
    `${r.seconds} s in all. Every figure below was measured under these conditions:`,
    "",
    conditionsTable(c),
  ];
  if (r.start) parts.push("", ...startSection(r.start, svgFile));
  if (r.footprint) parts.push("", ...footprintSection(r.footprint));
  if (r.idle) parts.push("", ...idleSection(r.idle));
  if (r.webhook) {
    parts.push("", ...webhookSection(r.webhook), "", ...apiServerWebhookSection(r.webhook));
  }
  if (r.scale) parts.push("", ...scaleSection(r.scale));
  return parts.join("\n") + "\n";
}

function conditionsTable(c: Conditions): string {
  return table(["condition", "value"], [
    ["CPUs", `${c.cpus} × ${c.cpu_model}`],
    ["memory", `${c.memory_gib} GiB`],
    ["virtualisation", c.virtualization === "KVM" ? "KVM" : "TCG (software emulation, no KVM)"],
    ["load average at start (1/5/15 min)", c.load_average_at_start.join(" / ")],
    ["kernel", c.kernel],
    ["denovirt", c.denovirt],
    ["Deno", c.deno],
    ["Kubernetes", c.kubernetes],
    ["etcd", `${c.etcd}${c.etcd_fsync ? "" : " (--unsafe-no-fsync)"}`],
    ["libvirt", c.libvirt],
    ["QEMU", c.qemu],
    [
      "roles started by the bench",
      c.roles_started_by_bench.length ? c.roles_started_by_bench.join(", ") : "none (the stack's)",
    ],
  ]);
}

function startSection(s: StartFigures, svgFile: string | undefined): string[] {
  return [
    "## Start latency",
    "",
    `${s.n} VMs (runStrategy Always, ${s.guest_memory} of memory, one vCPU requesting ` +
    `${s.cpu_request} so that they fit the node, one virtio hostDisk, no graphics) ` +
    `created ${s.interval_ms} ms apart through the API server; the floor starts the same ` +
    "domains (the agent's own XML) straight through libvirt at the same pace. Times run from " +
    "the create call (floor: the defineXml call) to the VMI's first `Running` as a watch " +
    "delivers it (floor: the domain running), and to the guest's marker in its serial log. " +
    `One VM started first to warm the stack up is not counted (its create → Running took ` +
    `${s.first_start_s} s).`,
    "",
    table(["figure", "p50 (s)", "p95 (s)", "max (s)", "target"], [
      ["create → VMI Running", s.p50_s, s.p95_s, s.max_s, "< 1 / < 2"],
      ["libvirt start → running (floor)", s.libvirt_p50_s, s.libvirt_p95_s, s.libvirt_max_s, ""],
      ["create → guest marker", s.marker_p50_s, s.marker_p95_s, s.marker_max_s, ""],
      [
        "libvirt start → guest marker (floor)",
        s.libvirt_marker_p50_s,
        s.libvirt_marker_p95_s,
        s.libvirt_marker_max_s,
        "",
      ],
    ]),
    "",
    table(["ratio of p50s, denovirt / libvirt", "value", "target"], [
      ["to Running", s.ratio_to_libvirt, "≤ 1.5"],
      ["to the guest marker", s.marker_ratio_to_libvirt, "≤ 1.5"],
    ]),
    "",
    `Where the time to Running goes (p50): create → VMI exists ${s.vmi_created_p50_s} s, ` +
    `→ Scheduled ${s.scheduled_p50_s} s, → Running ${s.p50_s} s. ` +
    `VMs never Running: ${s.never_running}; guests without a marker: ${s.never_marker}, of ` +
    `which ${s.guest_panics} kernels panicked (floor: ${s.libvirt_never_marker} and ` +
    `${s.libvirt_guest_panics}); percentiles are over the guests that got there.`,
    "",
    "Step by step (p50 over the VMs of each step, so the steps need not add up to the total; " +
    "from the bench's watches and clock and the agent's log):",
    "",
    table(["step", "p50 (ms)", "between"], breakdownRows(s)),
    ...(svgFile ? ["", `![Start latency distributions](${svgFile})`] : []),
  ];
}

function footprintSection(f: FootprintFigures): string[] {
  // Only the processes that ran: the roles run in one process or each in its own.
  const names = Object.keys(f.processes_at_0)
    .filter((n) => (f.processes_at_0[n] ?? 0) > 0 || (f.processes_at_n[n] ?? 0) > 0);
  const roles = f.layout === "all-in-one"
    ? "denovirt (controllers, webhooks and agent in one process)"
    : "controllers + webhooks + agent";
  return [
    "## Footprint",
    "",
    `RSS (VmRSS, median of three readings 1 s apart) with 0 VMs (after a warm-up VM came and ` +
    `went) and with the ${f.n} VMs of the start-latency part running. The RSS of Deno and Go ` +
    "processes swings by tens of MiB with garbage collection, so a per-VM slope over few VMs " +
    "(the quick run's 5) is within that noise and can even come out negative; it means " +
    "something only over many VMs.",
    "",
    table(["figure", "value", "includes", "target"], [
      [
        "per VM beyond QEMU (MiB/VM)",
        f.per_vm_mib_beyond_qemu,
        "slope over 0 and N VMs of every process of the stack but QEMU: controllers, webhooks, " +
        "agent, libvirtd, virtlogd, etcd, kube-apiserver, kube-controller-manager, kube-scheduler",
        "< 5",
      ],
      [
        "per VM, node side only (MiB/VM)",
        f.per_vm_mib_node_side,
        "the same slope over controllers, webhooks, agent, libvirtd and virtlogd only",
        "",
      ],
      [
        "control plane + agent (MiB)",
        f.control_plane_and_agent_rss_mib,
        `${roles} + libvirtd + virtlogd, with ${f.n} VMs ` +
        `(${f.control_plane_and_agent_rss_mib_at_0} with 0)`,
        "< 200",
      ],
      [
        "Kubernetes control plane (MiB)",
        f.kubernetes_rss_mib,
        `etcd + kube-apiserver + kube-controller-manager + kube-scheduler, with ${f.n} VMs ` +
        `(${f.kubernetes_rss_mib_at_0} with 0); not in the figure above`,
        "",
      ],
      [
        "QEMU per VM (MiB)",
        f.qemu_rss_mib_p50,
        `p50 over ${f.qemu_processes} QEMU processes (max ${f.qemu_rss_mib_max}); ` +
        "under TCG this includes QEMU's translation cache",
        "",
      ],
    ]),
    "",
    table(
      ["process", "RSS at 0 VMs (MiB)", `RSS at ${f.n} VMs (MiB)`],
      names.map((n) => [n, f.processes_at_0[n] ?? NaN, f.processes_at_n[n] ?? NaN]),
    ),
  ];
}

function webhookSection(w: WebhookFigures): string[] {
  return [
    "## Admission webhooks",
    "",
    `Open loop: ${w.rate_per_s} AdmissionReviews/s for ${w.seconds} s (achieved ` +
    `${w.achieved_rate_per_s}/s, ${w.requests} requests, ${w.errors} errors; the client sent ` +
    `its requests at most ${w.send_lag_p99_ms} ms late at p99), alternately to ` +
    "`/virtualmachines/mutate` and `/virtualmachines/validate` over TLS, each a CREATE of the " +
    "bench's VM; latency from send to the whole answer read.",
    "",
    table(["endpoint", "p50 (ms)", "p99 (ms)", "target"], [
      ["both", w.p50_ms, w.p99_ms, "p99 < 5"],
      ["mutate", w.mutate_p50_ms, w.mutate_p99_ms, ""],
      ["validate", w.validate_p50_ms, w.validate_p99_ms, ""],
      ["the server's own time (its log)", w.server_p50_ms, w.server_p99_ms, ""],
    ]),
    "",
    `The server's own time runs from reading the request body to the verdict, over the ` +
    `${w.server_reviews} reviews its log shows for the run; the rest is TLS, HTTP/1.1 and the ` +
    "client, which shares the machine's CPUs with the server.",
    "",
    `Through the API server: ${w.api_creates} dry-run VM creates one after another, with the ` +
    "webhook configurations registered and then removed (admission runs on dry-run: the " +
    "webhooks declare `sideEffects: None`).",
    "",
    table(["VM create (dry-run)", "p50 (ms)", "p99 (ms)"], [
      ["with the webhooks", w.api_with_webhooks_p50_ms, w.api_with_webhooks_p99_ms],
      ["without", w.api_without_webhooks_p50_ms, w.api_without_webhooks_p99_ms],
      ["added by the webhooks", w.api_added_p50_ms, ""],
    ]),
  ];
}

function scaleSection(s: ScaleFigures): string[] {
  return [
    "## Control-plane scale",
    "",
    `${s.vms} VMs (runStrategy Always) created 10 at a time for ${s.fake_nodes} fake Nodes ` +
    "that take their VMIs without booting them (the agent and libvirt take no part).",
    "",
    table(["figure", "value"], [
      ["first create → every VMI Scheduled (s)", s.seconds_to_all_scheduled],
      ["first create → every create answered (s)", s.seconds_to_all_created],
      [
        "create → VMI exists per VM, p50 / p95 (s)",
        `${s.vmi_created_p50_s} / ${s.vmi_created_p95_s}`,
      ],
      ["create → Scheduled per VM, p50 / p95 (s)", `${s.scheduled_p50_s} / ${s.scheduled_p95_s}`],
      ["VMIs Scheduled", `${s.scheduled} of ${s.vms} (${s.create_errors} creates failed)`],
      [
        "controllers RSS before → after (MiB; all-in-one: the process of every role)",
        `${s.controllers_rss_mib_before} → ${s.controllers_rss_mib_after}`,
      ],
      ["controllers CPU time meanwhile (s; all-in-one: every role)", s.controllers_cpu_seconds],
    ]),
  ];
}

/** The idle part's section of the Markdown report. */
import type { IdleFigures } from "./idle.ts";
import { table } from "./md_table.ts";

/** The idle cost: CPU per process while the VMs run and nothing changes. */
export function idleSection(i: IdleFigures): string[] {
  const agent = i.agent_process === "denovirt"
    ? "agent (the all-in-one `denovirt` process: every role)"
    : "agent";
  return [
    "## Idle cost",
    "",
    `${i.vms} VMs running, nothing changing: once their VMs, VMIs and launcher pods had not ` +
    `changed for 5 s (after ${i.quiet_after_s} s), each process's CPU time (utime + stime ` +
    `from /proc) over ${i.seconds} s, as percent of one core. The API objects changed ` +
    `${i.api_changes} times during the window.`,
    "",
    table(["process", "CPU (% of one core)", "target"], [
      [agent, i.agent_cpu_percent, "< 1"],
      // All in one process, the controllers and webhooks are counted in the agent's row.
      ...(i.agent_process === "denovirt" ? [] : [
        ["controllers", i.controllers_cpu_percent, ""],
        ["webhooks", i.webhooks_cpu_percent, ""],
      ]),
      ["libvirtd", i.libvirtd_cpu_percent, ""],
    ]),
  ];
}

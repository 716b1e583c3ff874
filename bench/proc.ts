/** Memory and CPU of processes, from /proc. */

/** Resident set size of a process in MiB (VmRSS); 0 when it is gone. */
export async function rssMiB(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kib = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0);
    return kib / 1024;
  } catch {
    return 0;
  }
}

/** User + system CPU time of a process in seconds. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Pids of processes whose command line contains every one of `needles`. */
export async function pidsMatching(...needles: string[]): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    try {
      const cmdline = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).replaceAll("\0", " ");
      if (needles.every((n) => cmdline.includes(n))) found.push(pid);
    } catch {
      // Gone.
    }
  }
  return found;
}

/** Whether hardware virtualisation (KVM) really works here: `/dev/kvm` existing is not enough. */
import { join } from "node:path";
import { cacheDir } from "./paths.ts";

/**
 * A 64 KiB firmware image for qemu's `-bios`: from the reset vector it loads a GDT, enters
 * protected mode, builds identity page tables at 0x1000, enables PAE + EFER.LME + paging,
 * far-jumps to 64-bit code and writes 0x10 to isa-debug-exit (port 0xf4), so qemu exits
 * with status 33. Nested hosts without working VT-x emulation hang in these transitions
 * (as real guests do) even though a real-mode-only probe passes. Assembled with GNU as
 * from `.code16`/`.code32`/`.code64` source; the last 16 bytes hold `jmp 0` at 0xfff0.
 */
const PROBE_CODE_HEX =
  "fab800f08ed8660f0116b0000f20c06683c8010f22c066ea1e000f00080066b810008ed88ec08ed0" +
  "bf0010000031c0b9000c0000f3abc7050010000003200000c7050020000003300000c70500300000" +
  "830000000f20e083c8200f22e0b8001000000f22d8b9800000c00f320d000100000f300f20c00d00" +
  "0000800f22c0ea85000f001800b010e6f4f48db4000066900000000000000000ffff0000009acf00" +
  "ffff00000092cf00ffff0000009aaf001f0090000f00";
const RESET_VECTOR_HEX = "e90d00";
const PROBE_EXIT_STATUS = 33;
const PROBE_TIMEOUT_MS = 5_000;

let answer: Promise<boolean> | undefined;

/** Whether KVM works: `DENOVIRT_KVM=0|1` decides, else a probe guest is run once per boot. */
export function kvmWorks(): Promise<boolean> {
  const override = Deno.env.get("DENOVIRT_KVM");
  if (override === "0" || override === "1") return Promise.resolve(override === "1");
  answer ??= cachedProbe();
  return answer;
}

/** The probe firmware image (exported for tests). */
export function probeFirmware(): Uint8Array {
  const image = new Uint8Array(0x10000);
  image.set(fromHex(PROBE_CODE_HEX), 0);
  image.set(fromHex(RESET_VECTOR_HEX), 0xfff0);
  return image;
}

/** Run the probe firmware under `accel`; true when it reached long mode and exited as planned. */
export async function probeAccel(accel: "kvm" | "tcg"): Promise<boolean> {
  if (accel === "kvm" && !(await exists("/dev/kvm"))) return false;
  const dir = await Deno.makeTempDir({ prefix: "denovirt-kvm-probe-" });
  try {
    const firmware = join(dir, "probe.bin");
    await Deno.writeFile(firmware, probeFirmware());
    const child = new Deno.Command("qemu-system-x86_64", {
      args: [
        ...["-accel", accel, "-machine", "pc", "-m", "16", "-bios", firmware],
        ...["-nodefaults", "-no-reboot", "-display", "none", "-serial", "none", "-monitor", "none"],
        ...["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), PROBE_TIMEOUT_MS);
    const status = await child.status.finally(() => clearTimeout(timer));
    return status.code === PROBE_EXIT_STATUS;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The probe's answer, remembered in the cache until the machine reboots (the probe costs seconds). */
async function cachedProbe(): Promise<boolean> {
  const bootId = (await Deno.readTextFile("/proc/sys/kernel/random/boot_id").catch(() => ""))
    .trim();
  const file = join(cacheDir(), "kvm-probe.json");
  try {
    const saved = JSON.parse(await Deno.readTextFile(file));
    if (bootId && saved.bootId === bootId && typeof saved.works === "boolean") return saved.works;
  } catch {
    // No answer saved yet.
  }
  const works = await probeAccel("kvm");
  if (bootId) {
    await Deno.mkdir(cacheDir(), { recursive: true });
    await Deno.writeTextFile(file, JSON.stringify({ bootId, works }) + "\n");
  }
  return works;
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((byte) => parseInt(byte, 16)));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

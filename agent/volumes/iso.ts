/** ISO 9660 images (Joliet + Rock Ridge) of a few small files, for cloud-init media. */
import { dirname, join } from "node:path";
import { run, runChecked } from "../../lib/exec.ts";

const TOOLS = ["genisoimage", "xorrisofs", "mkisofs"];
let found: string | undefined;

async function isoTool(): Promise<string> {
  if (found) return found;
  for (const tool of TOOLS) {
    if ((await run("sh", ["-c", `command -v ${tool}`])).code === 0) return (found = tool);
  }
  throw new Error(`Cannot build cloud-init media: none of ${TOOLS.join(", ")} is installed`);
}

/** Writes `files` (relative path -> content) into an ISO with volume label `label` at `output`. */
export async function writeIso(
  output: string,
  label: string,
  files: Record<string, string>,
): Promise<void> {
  const staging = await Deno.makeTempDir({ dir: dirname(output), prefix: ".iso-" });
  try {
    const tree = join(staging, "tree");
    for (const [path, content] of Object.entries(files)) {
      const target = join(tree, path);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.writeTextFile(target, content);
    }
    const temp = join(staging, "out.iso");
    const tool = await isoTool();
    await runChecked(tool, ["-quiet", "-output", temp, "-volid", label, "-joliet", "-rock", tree]);
    await Deno.rename(temp, output);
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

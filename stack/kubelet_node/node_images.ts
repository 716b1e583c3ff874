/**
 * The images of kubelet nodes: the project's image (`deno task image`) and the pause image,
 * imported into the node's containerd. Nothing is ever pulled: pods name these images with
 * `imagePullPolicy: Never`, and an image whose digest containerd already has is not imported again.
 */
import { join } from "node:path";
import { run, runChecked } from "../../lib/exec.ts";
import type { StackPaths } from "../paths.ts";
import { DEFAULT_LAUNCHER_IMAGE } from "../../api/contract.ts";
import { ensurePauseArchive, PAUSE_IMAGE } from "./pause_image.ts";

/** containerd's namespace for the CRI (the kubelet's pods). */
export const CRI_NAMESPACE = "k8s.io";
/** The project's image as `deno task image` names it by default. */
export const DENOVIRT_IMAGE_NAME = "localhost/denovirt";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A built image: its archive, the name it is imported as, and its manifest digest. */
export interface NodeImage {
  archive: string;
  ref: string;
  digest: string;
  /** Other names containerd gives the same image. */
  aliases?: string[];
}

/** Build the project's image from this checkout into the stack home (the bundle, offline). */
export async function buildDenovirtImage(
  paths: StackPaths,
  say: (line: string) => void,
): Promise<NodeImage> {
  const out = join(paths.home, "kubelet-nodes", "image");
  const version = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).version as string;
  const output = await runChecked(Deno.execPath(), [
    "run",
    "-A",
    join(ROOT, "image", "main.ts"),
    `--out=${out}`,
    `--name=${DENOVIRT_IMAGE_NAME}`,
    `--tag=${version}`,
  ], { cwd: ROOT });
  const digest = output.match(/^Image (sha256:[0-9a-f]{64})$/m)?.[1];
  if (!digest) throw new Error(`Cannot read the image's digest from its build: ${output}`);
  say(`Built ${DENOVIRT_IMAGE_NAME}:${version} (${digest.slice(0, 19)})`);
  return {
    archive: join(out, `denovirt-${version}.tar`),
    ref: `${DENOVIRT_IMAGE_NAME}:${version}`,
    digest,
  };
}

/**
 * The pause image from the cache, also named as the controllers' default launcher image: a
 * launcher pod's container only holds the pod (the agent runs the VM), and a kubelet node of
 * the stack can pull nothing.
 */
export async function pauseImage(): Promise<NodeImage> {
  const { archive, digest } = await ensurePauseArchive();
  return { archive, ref: PAUSE_IMAGE, digest, aliases: [DEFAULT_LAUNCHER_IMAGE] };
}

/** Import `image` into the containerd at `socket` unless it has that name at that digest. */
export async function importImage(
  socket: string,
  image: NodeImage,
  say: (line: string) => void,
): Promise<void> {
  const ctr = (...args: string[]) => ["--address", socket, "--namespace", CRI_NAMESPACE, ...args];
  const listed = await run("ctr", ctr("images", "ls", `name==${image.ref}`));
  if (listed.code === 0 && listed.stdout.includes(image.digest)) return;
  await runChecked("ctr", ctr("images", "import", image.archive));
  for (const alias of image.aliases ?? []) {
    await runChecked("ctr", ctr("images", "tag", "--force", image.ref, alias));
  }
  say(`Imported ${[image.ref, ...(image.aliases ?? [])].join(", ")} into containerd`);
}

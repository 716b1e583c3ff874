/** Write an OCI image layout directory and the `docker save`-style tarball of the same files. */
import { join } from "node:path";
import { tarEnd, tarHeader, tarPadding } from "../stack/images/tar.ts";

/** One file of the archive: its name in the tar and where its bytes are. */
export interface ArchiveFile {
  name: string;
  path: string;
}

/**
 * Write a plain tar of `files` (in the order given: fixed, so the archive is reproducible),
 * 0644 root:root with mtime 0, under `parents` directories listed first.
 */
export async function writeTarball(
  out: string,
  parents: string[],
  files: ArchiveFile[],
): Promise<void> {
  const file = await Deno.open(out, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  try {
    for (const name of parents) await writer.write(tarHeader({ type: "directory", name }));
    for (const entry of files) {
      const size = (await Deno.stat(entry.path)).size;
      await writer.write(
        tarHeader({ type: "file", name: entry.name, size, content: { path: entry.path } }),
      );
      const source = await Deno.open(entry.path);
      for await (const chunk of source.readable) await writer.write(chunk);
      await writer.write(tarPadding(size));
    }
    await writer.write(tarEnd());
  } finally {
    await writer.close();
  }
}

/** The files of a layout directory, in the order `docker save` puts them: metadata, then blobs. */
export function layoutArchiveFiles(dir: string, blobDigests: string[]): ArchiveFile[] {
  const named = (name: string) => ({ name, path: join(dir, name) });
  const blobs = [...new Set(blobDigests)].sort().map((digest) =>
    named(`blobs/sha256/${digest.replace(/^sha256:/, "")}`)
  );
  return [named("oci-layout"), named("index.json"), named("manifest.json"), ...blobs];
}

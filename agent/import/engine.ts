/** runImport(): one volume's image made from its source, start to finish, or nothing at all. */
import { join, resolve } from "node:path";
import { safeImportError, terminal } from "./errors.ts";
import { importHttp, validateHttpSource } from "./http_import.ts";
import { importBlank, importClone } from "./local_import.ts";
import { scrubberFor, secretsOfHttp, secretsOfRegistry } from "./redact.ts";
import { imageOfRegistrySource, importRegistry } from "./registry_import.ts";
import { type ImportPaths, importPathsOf, publish, removeScratch, resetTarget } from "./scratch.ts";
import type { ImportRequest, ImportResult } from "./types.ts";

/**
 * Imports `req.source` into `<targetDir>/disk.img` (raw, `capacityBytes` long). Starts over each
 * time; fails with an ImportError whose message is safe to show, or with the signal's reason.
 */
export async function runImport(req: ImportRequest): Promise<ImportResult> {
  const { signal, source } = req;
  signal.throwIfAborted();
  const scrub = source.kind === "http"
    ? scrubberFor(secretsOfHttp(source.url, source.headers), [source.url])
    : source.kind === "registry"
    ? scrubberFor(secretsOfRegistry(source.credentials), [source.url])
    : scrubberFor([]);
  try {
    await validate(req);
    const paths = importPathsOf(req.targetDir);
    await resetTarget(paths);
    try {
      const result = await importInto(req, paths);
      await publish(paths, req.capacityBytes, signal);
      return result;
    } catch (error) {
      await removeScratch(paths).catch(() => {});
      throw error;
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw safeImportError(error, scrub);
  }
}

function importInto(req: ImportRequest, paths: ImportPaths): Promise<ImportResult> {
  switch (req.source.kind) {
    case "http":
      return importHttp(req.source, req, paths);
    case "registry":
      return importRegistry(req.source, req, paths);
    case "blank":
      return importBlank(req, paths);
    case "clone":
      return importClone(req.source.sourcePath, req, paths);
  }
}

/** What is wrong with the request itself; nothing on disk is touched before it passes. */
async function validate(req: ImportRequest): Promise<void> {
  if (!Number.isSafeInteger(req.capacityBytes) || req.capacityBytes <= 0) {
    throw terminal(
      "InvalidCapacity",
      `Cannot import: the capacity must be a positive number of bytes, not ${req.capacityBytes}`,
    );
  }
  if (req.source.kind === "http") validateHttpSource(req.source);
  if (req.source.kind === "registry") imageOfRegistrySource(req.source);
  if (req.source.kind === "clone") {
    // Starting over removes disk.img and .import/: the source must not be among them.
    const source = req.source.sourcePath;
    const real = await Deno.realPath(source).catch(() => resolve(source));
    const target = await Deno.realPath(req.targetDir).catch(() => resolve(req.targetDir));
    if (real === join(target, "disk.img") || real.startsWith(join(target, ".import") + "/")) {
      throw terminal("InvalidSource", `Cannot clone ${source}: it is the target of the clone`);
    }
  }
}

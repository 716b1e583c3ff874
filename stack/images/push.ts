/**
 * Publish an image layout to a registry through the distribution API: blobs by monolithic upload
 * (`POST /v2/<name>/blobs/uploads/`, then `PUT <location>?digest=`), manifests by tag.
 *
 * One image is published in four forms, under tags derived from one base tag:
 * - `<tag>`: the OCI image manifest
 * - `<tag>-docker`: the Docker schema2 manifest
 * - `<tag>-index`: an OCI image index pointing at the OCI manifest (linux/amd64)
 * - `<tag>-list`: a Docker manifest list pointing at the Docker manifest (linux/amd64)
 */
import { blobPath, type ImageLayout } from "./layout.ts";
import type { JsonBlob } from "./manifests.ts";
import { type BodySource, RegistrySession, type RegistryTarget } from "./registry_session.ts";

export type ManifestForm = "oci" | "docker" | "index" | "list";

/** The suffix each form's tag gets after the base tag. */
export const TAG_SUFFIXES: Record<ManifestForm, string> = {
  oci: "",
  docker: "-docker",
  index: "-index",
  list: "-list",
};

/** The tag of each form of an image published as `tag`. */
export function tagsOf(tag: string): Record<ManifestForm, string> {
  return {
    oci: tag + TAG_SUFFIXES.oci,
    docker: tag + TAG_SUFFIXES.docker,
    index: tag + TAG_SUFFIXES.index,
    list: tag + TAG_SUFFIXES.list,
  };
}

/** What was published: references by tag and by digest for every form. */
export interface PublishedImage {
  /** `<host>/<repository>:<tag>` per form, as a containerDisk `image:` names it. */
  references: Record<ManifestForm, string>;
  /** The manifest digest per form (`<host>/<repository>@<digest>` pulls it by digest). */
  digests: Record<ManifestForm, string>;
  /** The disk layer's digest. */
  layer: string;
}

/** Push every blob and the four manifests of `image` to `repository` as `tag`. */
export async function pushImage(
  image: ImageLayout,
  target: RegistryTarget,
  repository: string,
  tag: string,
): Promise<PublishedImage> {
  const session = new RegistrySession(target, repository);
  try {
    const { layer, documents } = image;
    const layerFile = blobPath(image.dir, layer.digest);
    await pushBlob(session, layer.digest, async () => (await Deno.open(layerFile)).readable);
    await pushBlob(
      session,
      documents.config.descriptor.digest,
      () => documents.config.bytes.slice(),
    );
    const tags = tagsOf(tag);
    // A manifest's blobs, and an index's manifests, must be there before it.
    const order: [ManifestForm, JsonBlob][] = [
      ["oci", documents.ociManifest],
      ["docker", documents.dockerManifest],
      ["index", documents.ociIndex],
      ["list", documents.dockerManifestList],
    ];
    for (const [form, blob] of order) await pushManifest(session, tags[form], blob);
    const host = new URL(target.url).host;
    const each = (f: (form: ManifestForm, blob: JsonBlob) => string) =>
      Object.fromEntries(order.map(([form, blob]) => [form, f(form, blob)])) as Record<
        ManifestForm,
        string
      >;
    return {
      references: each((form) => `${host}/${repository}:${tags[form]}`),
      digests: each((_form, blob) => blob.descriptor.digest),
      layer: layer.digest,
    };
  } finally {
    session.close();
  }
}

/** Upload a blob unless the repository has it already. */
export async function pushBlob(
  session: RegistrySession,
  digest: string,
  body: BodySource,
): Promise<void> {
  const head = await session.request("HEAD", `blobs/${digest}`);
  await head.body?.cancel();
  if (head.ok) return;
  const started = await session.request("POST", "blobs/uploads/");
  await expectStatus(started, 202, `start the upload of ${digest}`);
  const location = started.headers.get("location");
  if (!location) throw new Error(`Cannot upload ${digest}: the registry gave no upload location`);
  const url = new URL(location, session.url(""));
  url.searchParams.set("digest", digest);
  const put = await session.request("PUT", url.href, {
    headers: { "content-type": "application/octet-stream" },
    body,
  });
  await expectStatus(put, 201, `upload ${digest}`);
}

/** Put a manifest under a tag; checks the registry stored it under the digest we computed. */
export async function pushManifest(
  session: RegistrySession,
  tag: string,
  blob: JsonBlob,
): Promise<void> {
  const put = await session.request("PUT", `manifests/${tag}`, {
    headers: { "content-type": blob.descriptor.mediaType },
    body: () => blob.bytes.slice(),
  });
  await expectStatus(put, 201, `put manifest ${tag}`);
  const stored = put.headers.get("docker-content-digest");
  if (stored && stored !== blob.descriptor.digest) {
    throw new Error(
      `Cannot put manifest ${tag}: stored as ${stored}, expected ${blob.descriptor.digest}`,
    );
  }
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  const text = await response.text();
  if (response.status === status) return;
  let detail = text.trim().slice(0, 300);
  try {
    const errors = (JSON.parse(text) as { errors?: { code: string; message: string }[] }).errors;
    if (errors?.length) detail = errors.map((e) => `${e.code}: ${e.message}`).join("; ");
  } catch {
    // Not the registry's JSON error body: keep the text.
  }
  throw new Error(`Cannot ${what}: ${response.status} ${detail}`);
}

/**
 * Image references as Docker and containerd read them: `[host[:port]/]repo[:tag][@digest]`, with
 * Docker Hub's defaults (registry docker.io, namespace library/, tag latest). The webhooks check
 * containerDisk images and `docker://` sources with it; the agent pulls by it.
 */

/** An image reference that does not parse; the message names the problem. */
export class ImageReferenceError extends Error {
  override name = "ImageReferenceError";
}

/** Where an image lives and which of its versions is meant. */
export interface ImageReference {
  /** `host[:port]` as written (`docker.io` for Docker Hub). */
  registry: string;
  /** `library/busybox`, `kubevirt/cirros-container-disk-demo`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>`; when given, it names the manifest and the tag is only informative. */
  digest?: string;
}

/** Docker Hub's registry name; its other names are read as it. */
export const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES = new Set(["index.docker.io", "registry-1.docker.io"]);
const DEFAULT_TAG = "latest";
const MAX_NAME_LENGTH = 255;

const HOST_PART = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
const HOST = new RegExp(
  `^(?:${HOST_PART}(?:\\.${HOST_PART})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Parses an image reference; throws an ImageReferenceError naming the problem. */
export function parseImageReference(text: string): ImageReference {
  const invalid = (why: string) =>
    new ImageReferenceError(`Invalid image name ${JSON.stringify(text)}: ${why}`);
  if (text === "" || /\s/.test(text)) throw invalid("it is empty or holds whitespace");

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid("the digest is not sha256:<64 lowercase hex digits>");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`the tag ${JSON.stringify(tag)} is not valid`);
  }

  const parts = rest.split("/");
  const first = parts[0]!;
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    if (!HOST.test(first)) throw invalid(`the registry host ${JSON.stringify(first)} is not valid`);
    registry = DOCKER_HUB_ALIASES.has(first) ? DOCKER_HUB : first;
    parts.shift();
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  const bad = parts.find((part) => !PATH_COMPONENT.test(part));
  if (bad !== undefined) {
    throw invalid(
      `the repository part ${JSON.stringify(bad)} is not valid ` +
        "(lowercase letters, digits and single separators . _ __ - only)",
    );
  }
  const repository = parts.join("/");
  if (repository.length > MAX_NAME_LENGTH) {
    throw invalid(`the repository name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return {
    registry,
    repository,
    ...(tag === undefined && digest === undefined ? { tag: DEFAULT_TAG } : {}),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** The full form of a reference: `registry/repository[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}` + (ref.tag === undefined ? "" : `:${ref.tag}`) +
    (ref.digest === undefined ? "" : `@${ref.digest}`);
}

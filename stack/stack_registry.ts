/**
 * The local stack's OCI registry: plain HTTP on its own loopback port, config and storage under
 * `$DENOVIRT_HOME/registry`, with the guest fixture published as `denovirt/fixture:latest`.
 */
import type { Component } from "./components.ts";
import { ensureGuestFixture } from "./fixture/mod.ts";
import { FIXTURE_REPOSITORY, publishFixture } from "./images/fixture_images.ts";
import type { PublishedImage } from "./images/push.ts";
import type { StackPaths } from "./paths.ts";
import type { StackPorts } from "./ports.ts";
import {
  registryComponent,
  type RegistryEndpoint,
  registryEndpoint,
  writeRegistryFiles,
} from "./registry.ts";

/** The daemon's name: `run/registry.pid`, `log/registry.log`. */
export const STACK_REGISTRY = "registry";

/** The tag the stack publishes the fixture's qcow2 disk under. */
export const STACK_FIXTURE_TAG = "latest";

/** Where the stack's registry answers. */
export function stackRegistry(ports: StackPorts): RegistryEndpoint {
  return registryEndpoint({ port: ports.registry });
}

/** The registry as a component of the stack; its config is written when it is (re)started. */
export function stackRegistryComponent(paths: StackPaths, ports: StackPorts): Component {
  const options = { dir: paths.registry, port: ports.registry };
  return {
    ...registryComponent(STACK_REGISTRY, options),
    prepare: () => writeRegistryFiles(options),
  };
}

/** Publish the guest fixture's qcow2 disk to the stack's registry; blobs it has are skipped. */
export async function publishStackFixture(
  ports: StackPorts,
  say: (line: string) => void,
): Promise<PublishedImage> {
  const fixture = await ensureGuestFixture({ onProgress: say });
  const target = { url: stackRegistry(ports).url };
  const published = await publishFixture(fixture, target, "qcow2", STACK_FIXTURE_TAG);
  say(`Published the guest fixture as ${published.references.oci}`);
  return published;
}

/** How to copy an image into the stack's registry, and the name the fixture has there. */
export function registryHints(ports: StackPorts): string[] {
  const host = stackRegistry(ports).host;
  return [
    `Registry: ${host} (plain HTTP); the guest fixture is ${host}/${FIXTURE_REPOSITORY}:${STACK_FIXTURE_TAG}`,
    `  skopeo copy --dest-tls-verify=false oci:LAYOUT_DIR:TAG docker://${host}/NAME:TAG`,
  ];
}

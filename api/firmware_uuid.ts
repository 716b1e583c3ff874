// Name-based UUIDs (RFC 4122 version 5), for firmware UUIDs that survive VM restarts.
import { createHash } from "node:crypto";

/** KubeVirt's namespace for firmware UUIDs (`magicUUID` in pkg/virt-controller/watch/vm). */
export const KUBEVIRT_FIRMWARE_UUID_NAMESPACE = "6a1a24a1-4061-4607-8bf4-a3963d0c5895";

/** The version 5 UUID of `name` in `namespace` (a UUID), as Go's uuid.NewSHA1 computes it. */
export function uuidV5(namespace: string, name: string): string {
  const ns = namespace.replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(ns)) throw new Error(`Invalid UUID ${JSON.stringify(namespace)}`);
  const hash = createHash("sha1")
    .update(Uint8Array.from(ns.match(/../g)!.map((byte) => parseInt(byte, 16))))
    .update(new TextEncoder().encode(name))
    .digest();
  const bytes = Uint8Array.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/**
 * The firmware UUID a VM whose template has none gets, kept in its spec from its creation on:
 * derived, as KubeVirt's CalculateLegacyUUID, from the namespace of KubeVirt's firmware UUIDs, but
 * of `namespace/name` rather than the name alone. A node's one libvirtd names each domain by this
 * UUID, so two VMs of one name in two namespaces must not share it (adr/0031).
 */
export function firmwareUuidFor(namespace: string, vmName: string): string {
  return uuidV5(KUBEVIRT_FIRMWARE_UUID_NAMESPACE, `${namespace}/${vmName}`);
}

/** Who a VMI's domain is: its libvirt name, UUID and the metadata that ties it to the VMI. */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { DENOVIRT_METADATA_URI } from "../libvirt/names.ts";
import { DomainSpecError } from "./errors.ts";
import { el, type XmlElement } from "./xml.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Namespace for UUIDs derived from VMI uids (RFC 4122 name-based, SHA-1): a fixed random UUID.
const UID_NAMESPACE = "8f1b7d3e-5a0c-4c8e-9b2f-6d4e2a1c0b97";

/** The namespace and name of a VMI; both are required to render or find its domain. */
export function vmiKey(vmi: VirtualMachineInstance): { namespace: string; name: string } {
  const { namespace, name } = vmi.metadata;
  if (!namespace) throw new DomainSpecError("metadata.namespace", "must be set");
  if (!name) throw new DomainSpecError("metadata.name", "must be set");
  return { namespace, name };
}

/** The libvirt domain name `<namespace>_<name>` (`_` cannot occur in either, so it is unique). */
export function domainNameFor(vmi: VirtualMachineInstance): string {
  const { namespace, name } = vmiKey(vmi);
  return `${namespace}_${name}`;
}

/** The domain UUID: `firmware.uuid`, else one derived from the VMI's uid. */
export function domainUuidFor(vmi: VirtualMachineInstance): string {
  const given = vmi.spec.domain.firmware?.uuid;
  if (given !== undefined) {
    if (!UUID.test(given)) {
      throw new DomainSpecError(
        "spec.domain.firmware.uuid",
        `${JSON.stringify(given)} is not a UUID`,
      );
    }
    return given.toLowerCase();
  }
  const uid = vmi.metadata.uid;
  if (!uid) {
    throw new DomainSpecError("spec.domain.firmware.uuid", "must be set when metadata.uid is not");
  }
  return uuidV5(UID_NAMESPACE, uid);
}

/** An RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replaceAll("-", ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/**
 * `<metadata>` with denovirt's element, by which an agent recognises its own domains: the VMI,
 * and the node whose agent made it (agents sharing one libvirtd never take each other's).
 */
export function metadataElement(vmi: VirtualMachineInstance, node: string): XmlElement {
  const { namespace, name } = vmiKey(vmi);
  return el(
    "metadata",
    {},
    el("denovirt:vmi", {
      "xmlns:denovirt": DENOVIRT_METADATA_URI,
      namespace,
      name,
      uid: vmi.metadata.uid,
      node,
    }),
  );
}

/** Reading a domain's XML, and reading and writing denovirt's metadata element in it. */

import { VIR_ERR } from "./errors.ts";
import { libvirt, takeCString, toCString } from "./ffi.ts";
import { actOnDomain, withDomain } from "./domain_lookup.ts";
import type { LanePool } from "./lanes.ts";
import { DENOVIRT_METADATA_URI, metadataScopeFlags } from "./names.ts";
import type { DomainRef, MetadataOptions } from "./types.ts";

const VIR_DOMAIN_METADATA_ELEMENT = 2;
const VIR_DOMAIN_XML_SECURE = 1;
const VIR_DOMAIN_XML_INACTIVE = 2;

/** The domain's XML: live or inactive, with or without secrets. */
export function domainXml(
  pool: LanePool,
  domain: DomainRef,
  options: { inactive?: boolean; secure?: boolean },
): Promise<string> {
  const flags = (options.inactive ? VIR_DOMAIN_XML_INACTIVE : 0) |
    (options.secure ? VIR_DOMAIN_XML_SECURE : 0);
  return withDomain(pool, "read the XML of", domain, async (dom, fail) => {
    const xml = takeCString(await libvirt().virDomainGetXMLDesc(dom, flags));
    if (xml === undefined) throw await fail(`Cannot read the XML of domain ${domain}`);
    return xml;
  });
}

/** The metadata element in a namespace (denovirt's by default), or undefined if absent. */
export function domainMetadata(
  pool: LanePool,
  domain: DomainRef,
  options: MetadataOptions,
): Promise<string | undefined> {
  const uri = toCString(options.uri ?? DENOVIRT_METADATA_URI);
  const flags = metadataScopeFlags(options.scope);
  return withDomain(pool, "read metadata of", domain, async (dom, fail) => {
    const ptr = await libvirt().virDomainGetMetadata(
      dom,
      VIR_DOMAIN_METADATA_ELEMENT,
      uri,
      flags,
    );
    if (ptr) return takeCString(ptr);
    const error = await fail(`Cannot read metadata of domain ${domain}`);
    if (error.code === VIR_ERR.NO_DOMAIN_METADATA) return undefined;
    throw error;
  });
}

/** Sets the metadata element in a namespace; `undefined` removes it. */
export function setDomainMetadata(
  pool: LanePool,
  domain: DomainRef,
  xml: string | undefined,
  options: MetadataOptions,
): Promise<void> {
  const uri = toCString(options.uri ?? DENOVIRT_METADATA_URI);
  const key = toCString(options.key ?? "denovirt");
  const flags = metadataScopeFlags(options.scope);
  const metadata = xml === undefined ? null : toCString(xml);
  return actOnDomain(
    pool,
    "set metadata of",
    domain,
    (dom) =>
      libvirt().virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, metadata, key, uri, flags),
  );
}

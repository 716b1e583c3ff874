/** Between libvirt domains and VMI keys: a domain is named `<namespace>_<name>`. */

/** The VMI key `namespace/name` of a domain named `<namespace>_<name>`; undefined if not of that form. */
export function keyOfDomainName(domain: string): string | undefined {
  const cut = domain.indexOf("_");
  if (cut <= 0 || cut === domain.length - 1) return undefined;
  return `${domain.slice(0, cut)}/${domain.slice(cut + 1)}`;
}

/** The domain name of a VMI key (`namespace/name` -> `namespace_name`). */
export function domainNameOfKey(key: string): string {
  return key.replace("/", "_");
}

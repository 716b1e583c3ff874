// Refusals: a field of a spec that denovirt cannot run, at its path, and the table rules that
// find the fields it cannot honour. The lists themselves are api/unsupported*.ts.

export const NOT_SUPPORTED = "not supported by denovirt";

/** A field denovirt refuses in a spec, and why. */
export interface Refusal {
  /** Below the object checked, e.g. `["domain", "devices", "disks", 0, "lun"]`. */
  path: readonly (string | number)[];
  /** What follows `<path>: ` in the refusal. */
  message: string;
  /** Whether denovirt lacks the feature, rather than the value being wrong. */
  notSupported: boolean;
}

/** What some features need of a node. Admission knows no node, so it assumes none offers them. */
export type NodeCapability = "blockVolumes" | "hostKernel";
export type NodeOffers = Partial<Record<NodeCapability, boolean>>;

/** In a rule's path: every entry of the list at that point. */
export const EACH = Symbol("each");

export interface UnsupportedField {
  path: readonly (string | typeof EACH)[];
  /** When the field counts as used; default: set and not an empty list. */
  used?: (value: unknown) => boolean;
  why?: string;
  /** Honoured on a node that offers this; refused where no such node is known. */
  unlessNodeOffers?: NodeCapability;
}

/** Refusals for the fields of `object` that `rules` name (capabilities in `offers` lift some). */
export function unsupportedFields(
  object: unknown,
  rules: readonly UnsupportedField[],
  offers: NodeOffers = {},
): Refusal[] {
  const refusals: Refusal[] = [];
  for (const rule of rules) {
    if (rule.unlessNodeOffers && offers[rule.unlessNodeOffers]) continue;
    for (const [path, value] of valuesAt(object, rule.path)) {
      if (rule.used ? rule.used(value) : isSet(value)) refusals.push(notSupported(path, rule.why));
    }
  }
  return refusals;
}

/** A refusal of a feature denovirt lacks. */
export function notSupported(path: readonly (string | number)[], why?: string): Refusal {
  const message = why ? `${NOT_SUPPORTED} (${why})` : NOT_SUPPORTED;
  return { path, message, notSupported: true };
}

/** Whether a field is set: present, and not an empty list. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

/** Every value at `pattern` in `object`, with its concrete path. */
function valuesAt(
  object: unknown,
  pattern: readonly (string | typeof EACH)[],
): [(string | number)[], unknown][] {
  let found: [(string | number)[], unknown][] = [[[], object]];
  for (const segment of pattern) {
    const next: [(string | number)[], unknown][] = [];
    for (const [path, value] of found) {
      if (segment === EACH) {
        if (Array.isArray(value)) value.forEach((item, i) => next.push([[...path, i], item]));
      } else {
        const child = (value as Record<string, unknown> | undefined)?.[segment];
        next.push([[...path, segment], child]);
      }
    }
    found = next;
  }
  return found;
}

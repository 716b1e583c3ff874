// DataVolumes (and a VM's dataVolumeTemplates): one supported source, http(s) and docker://
// URLs, a size.
import {
  DataVolumeSchema,
  type DataVolumeSpec,
  dataVolumeSubject,
  parseQuantity,
  parseRegistryUrl,
  type RegistrySource,
} from "../../api/mod.ts";
import {
  type Cause,
  cause,
  isTrusted,
  type ReviewContext,
  specChanged,
  type Verdict,
  verdictOf,
} from "../review.ts";
import { at, type Path } from "./paths.ts";
import { checkSchema } from "./schema.ts";
import { withPolicies } from "../policy/admission.ts";
import { refusedInDataVolumeSpec } from "./unsupported.ts";

/** Causes for a DataVolume spec at `base`, for a DataVolume in `namespace` when it is known. */
export function checkDataVolumeSpec(
  spec: DataVolumeSpec,
  base: Path,
  namespace?: string,
): Cause[] {
  const causes = refusedInDataVolumeSpec(spec, base);
  const clone = spec.source?.pvc;
  if (clone && namespace !== undefined && clone.namespace !== namespace) {
    // Reading another namespace's disk would need an authorization check of its own.
    causes.push(
      cause(
        at(base, "source", "pvc", "namespace"),
        `${JSON.stringify(clone.namespace)}: clones only within the DataVolume's namespace ` +
          `${JSON.stringify(namespace)} are supported by denovirt`,
        "FieldValueNotSupported",
      ),
    );
  }
  const http = spec.source?.http;
  if (http) {
    const field = at(base, "source", "http", "url");
    let url: URL | undefined;
    try {
      url = new URL(http.url);
    } catch {
      causes.push(cause(field, `${JSON.stringify(http.url)} is not a URL`));
    }
    if (url && url.protocol !== "http:" && url.protocol !== "https:") {
      causes.push(
        cause(
          field,
          `must be an http or https URL, not ${url.protocol.slice(0, -1)}`,
          "FieldValueNotSupported",
        ),
      );
    } else if (url && !url.hostname) {
      causes.push(cause(field, "must name a host"));
    } else if (url && (url.username || url.password)) {
      // Kept out of the URL, credentials stay out of logs, events and status.
      causes.push(cause(field, "must not carry credentials; name a Secret in secretRef"));
    }
    http.extraHeaders?.forEach((header, i) => {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(header)) {
        causes.push(
          cause(at(base, "source", "http", "extraHeaders", i), 'must be "Name: value"'),
        );
      }
    });
  }
  const registry = spec.source?.registry;
  if (registry) causes.push(...checkRegistrySource(registry, [...base, "source", "registry"]));
  const claim = spec.pvc ? "pvc" : spec.storage ? "storage" : undefined;
  if (claim) {
    const size = spec[claim]?.resources?.requests?.storage;
    const field = at(base, claim, "resources", "requests", "storage");
    if (size === undefined) {
      causes.push(
        cause(field, "Required value: the size of the disk to import into", "FieldValueRequired"),
      );
    } else if (!isPositive(size)) {
      causes.push(cause(field, `${JSON.stringify(String(size))}: must be greater than 0`));
    }
  }
  return causes;
}

/** Causes for a registry source at `base`: a docker:// URL naming a valid image reference. */
function checkRegistrySource(registry: RegistrySource, base: Path): Cause[] {
  const field = at(base, "url");
  if (registry.url === undefined) {
    // An imageStream instead is refused as not supported (api/unsupported_kinds.ts).
    return registry.imageStream === undefined
      ? [cause(field, "Required value: the docker:// URL of the image", "FieldValueRequired")]
      : [];
  }
  const parsed = parseRegistryUrl(registry.url);
  if (!("problem" in parsed)) return [];
  return [
    cause(
      field,
      parsed.problem,
      parsed.notSupported ? "FieldValueNotSupported" : "FieldValueInvalid",
    ),
  ];
}

/** The DataVolume validator: the schema and the spec on CREATE; an unchanged spec on UPDATE. */
export function validateDataVolume(ctx: ReviewContext): Verdict {
  if (ctx.operation === "UPDATE" && !specChanged(ctx)) return { allowed: true };
  if (ctx.operation === "UPDATE" && !isTrusted(ctx)) {
    // As CDI: a DataVolume is an import order; a new one is needed for a different import.
    return verdictOf([
      cause(
        "spec",
        "a DataVolume's spec cannot be changed after it is created",
        "FieldValueNotSupported",
      ),
    ]);
  }
  const schema = checkSchema(DataVolumeSchema, ctx.object);
  const causes = [...schema.causes];
  if (schema.value) {
    causes.push(...checkDataVolumeSpec(schema.value.spec, ["spec"], ctx.namespace));
  }
  return withPolicies(ctx, schema.value && dataVolumeSubject(schema.value), causes);
}

function isPositive(size: string | number): boolean {
  try {
    return parseQuantity(size).value > 0n;
  } catch {
    return true; // the schema reports quantities that do not parse
  }
}

// Field paths for causes: `spec.template.spec.domain.devices.disks[1].name`.
import { fieldPath } from "../../api/mod.ts";

export type Path = readonly PropertyKey[];

/** The printed path of `base` followed by `more`. */
export function at(base: Path, ...more: PropertyKey[]): string {
  return fieldPath([...base, ...more]);
}

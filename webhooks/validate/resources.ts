// CPU and memory of a VMI spec: quantities that make sense together (KubeVirt's rules).
import {
  MIN_MEMORY_BYTES,
  parseQuantity,
  type Quantity,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { type Cause, cause } from "../review.ts";
import { at, type Path } from "./paths.ts";

/** Causes for negative, too small or inconsistent requests, limits and guest memory. */
export function checkResources(
  spec: VirtualMachineInstanceSpec,
  base: Path,
  requireMemory: boolean,
): Cause[] {
  const causes: Cause[] = [];
  const domain = spec.domain;
  const requests = domain.resources?.requests ?? {};
  const limits = domain.resources?.limits ?? {};
  const path = (...more: PropertyKey[]) => at(base, "domain", ...more);
  for (const [kind, list] of [["requests", requests], ["limits", limits]] as const) {
    for (const [name, quantity] of Object.entries(list)) {
      const parsed = millis(quantity);
      if (parsed !== undefined && parsed < 0n) {
        causes.push(
          cause(
            path("resources", kind, name),
            `${show(quantity)}: must be greater than or equal to 0`,
          ),
        );
      }
    }
  }
  const memoryRequest = bytes(requests.memory);
  if (memoryRequest !== undefined && memoryRequest > 0n && memoryRequest < MIN_MEMORY_BYTES) {
    causes.push(
      cause(
        path("resources", "requests", "memory"),
        `${show(requests.memory!)}: must be greater than or equal to 1M`,
      ),
    );
  }
  for (const name of ["memory", "cpu"]) {
    const request = millis(requests[name]);
    const limit = millis(limits[name]);
    if (request !== undefined && limit !== undefined && limit > 0n && request > limit) {
      causes.push(cause(
        path("resources", "requests", name),
        `${show(requests[name]!)} is greater than the limit ${path("resources", "limits", name)} ${
          show(limits[name]!)
        }`,
      ));
    }
  }
  const guest = bytes(domain.memory?.guest);
  const memoryLimit = bytes(limits.memory);
  if (guest !== undefined && guest <= 0n) {
    causes.push(
      cause(path("memory", "guest"), `${show(domain.memory!.guest!)}: must be greater than 0`),
    );
  } else if (
    guest !== undefined && memoryLimit !== undefined && memoryLimit > 0n && guest > memoryLimit
  ) {
    causes.push(cause(
      path("memory", "guest"),
      `${show(domain.memory!.guest!)} must be less than or equal to the memory limit ${
        path("resources", "limits", "memory")
      } ${show(limits.memory!)}`,
    ));
  }
  const noMemory = (memoryRequest ?? 0n) === 0n && domain.memory?.guest === undefined &&
    domain.memory?.hugepages === undefined;
  if (requireMemory && noMemory) {
    causes.push(cause(
      path("memory", "guest"),
      `no memory requested: set ${path("memory", "guest")} or ${
        path("resources", "requests", "memory")
      }`,
      "FieldValueRequired",
    ));
  }
  return causes;
}

function millis(quantity: Quantity | undefined): bigint | undefined {
  if (quantity === undefined) return undefined;
  try {
    return parseQuantity(quantity).milliValue;
  } catch {
    return undefined;
  }
}

function bytes(quantity: Quantity | undefined): bigint | undefined {
  if (quantity === undefined) return undefined;
  try {
    return parseQuantity(quantity).value;
  } catch {
    return undefined;
  }
}

function show(quantity: Quantity): string {
  return JSON.stringify(String(quantity));
}

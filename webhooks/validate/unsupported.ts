// The refusals of api/ (what denovirt cannot honour, values its agent cannot use) as causes. The
// lists live in api/unsupported*.ts and api/runnable.ts, shared with the agent, which checks the
// same before it runs a VMI: what the webhooks admit, the agent can start.
import {
  type DataVolumeSpec,
  type Refusal,
  refusalsOfVmiSpec,
  type UnsupportedField,
  unsupportedFields,
  unsupportedInDataVolumeSpec,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { type Cause, cause } from "../review.ts";
import { at, type Path } from "./paths.ts";

/** Causes for refusals of the object at `base`. */
export function causesOf(refusals: readonly Refusal[], base: Path): Cause[] {
  return refusals.map((r) =>
    cause(
      at(base, ...r.path),
      r.message,
      r.notSupported
        ? "FieldValueNotSupported"
        : r.message.startsWith("Required value")
        ? "FieldValueRequired"
        : "FieldValueInvalid",
    )
  );
}

/** Everything in a VMI spec at `base` that no denovirt node can run as asked. */
export function refusedInVmiSpec(spec: VirtualMachineInstanceSpec, base: Path): Cause[] {
  return causesOf(refusalsOfVmiSpec(spec), base);
}

/** Everything in a DataVolume spec at `base` denovirt cannot honour. */
export function refusedInDataVolumeSpec(spec: DataVolumeSpec, base: Path): Cause[] {
  return causesOf(unsupportedInDataVolumeSpec(spec), base);
}

/** Causes for the fields of `object` (at `base`) that `rules` name. */
export function refusedFields(
  object: unknown,
  base: Path,
  rules: readonly UnsupportedField[],
): Cause[] {
  return causesOf(unsupportedFields(object, rules), base);
}

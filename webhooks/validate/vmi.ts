// The VirtualMachineInstance validator: a full check on CREATE; on UPDATE the spec is frozen
// for users, as in KubeVirt, where only its own service accounts may change it.
import {
  CREATED_BY_LABEL,
  NODE_NAME_LABEL,
  SCHEDULABLE_LABEL,
  VirtualMachineInstanceSchema,
  vmiSubject,
} from "../../api/mod.ts";
import { isPlainObject } from "../json_patch.ts";
import {
  type Cause,
  cause,
  isTrusted,
  type ReviewContext,
  specChanged,
  type Verdict,
  verdictOf,
} from "../review.ts";
import { at } from "./paths.ts";
import { checkSchema } from "./schema.ts";
import { checkVmiSpec } from "./vmi_spec.ts";
import { checkHotplugUpdate } from "./hotplug.ts";
import { withPolicies } from "../policy/admission.ts";

/** Labels only denovirt's controllers may set on a VMI (KubeVirt's restrictedVmiLabels). */
export const RESERVED_VMI_LABELS: readonly string[] = [
  CREATED_BY_LABEL,
  "kubevirt.io/migrationJobUID",
  NODE_NAME_LABEL,
  "kubevirt.io/migrationTargetNodeName",
  SCHEDULABLE_LABEL,
  "kubevirt.io/install-strategy",
];

/** Validates a VMI. */
export function validateVirtualMachineInstance(ctx: ReviewContext): Verdict {
  const trusted = isTrusted(ctx);
  if (ctx.operation === "UPDATE") {
    const changed = specChanged(ctx);
    const causes: Cause[] = [];
    if (!trusted) {
      if (changed) {
        causes.push(cause(
          "spec",
          "update of VMI object is restricted: only denovirt's controllers change a running VMI; change its VM and restart it instead",
          "FieldValueNotSupported",
        ));
      }
      causes.push(...reservedLabelChanges(labelsOf(ctx.object), labelsOf(ctx.oldObject)));
    }
    if (causes.length > 0 || !changed) return verdictOf(causes);
    // denovirt's own roles change a VMI's spec knowingly; the object must still be well formed,
    // and its volumes change only by hotplug.
    const next = checkSchema(VirtualMachineInstanceSchema, ctx.object);
    const old = checkSchema(VirtualMachineInstanceSchema, ctx.oldObject).value;
    const hotplug = next.value && old ? checkHotplugUpdate(next.value.spec, old.spec) : [];
    return verdictOf([...next.causes, ...hotplug]);
  }
  const schema = checkSchema(VirtualMachineInstanceSchema, ctx.object);
  const causes = [...schema.causes];
  if (schema.value) causes.push(...checkVmiSpec(schema.value.spec, ["spec"], ctx.config));
  if (!trusted) causes.push(...reservedLabelChanges(labelsOf(ctx.object), {}));
  return withPolicies(ctx, schema.value && vmiSubject(schema.value), causes);
}

function reservedLabelChanges(
  labels: Record<string, unknown>,
  old: Record<string, unknown>,
): Cause[] {
  return RESERVED_VMI_LABELS
    .filter((label) => labels[label] !== old[label])
    .map((label) =>
      cause(
        at(["metadata", "labels", label]),
        "is reserved for denovirt's controllers",
        "FieldValueNotSupported",
      )
    );
}

function labelsOf(object: unknown): Record<string, unknown> {
  const metadata = isPlainObject(object) ? object.metadata : undefined;
  const labels = isPlainObject(metadata) ? metadata.labels : undefined;
  return isPlainObject(labels) ? labels : {};
}

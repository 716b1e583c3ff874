/** Which VMIs use a claim: those to look at again once the claim is ready. */
import type { Volume } from "../../api/mod.ts";
import type { KubeObject } from "../../lib/kube/object.ts";

/** The claim names a volume list uses (persistentVolumeClaim, ephemeral, dataVolume). */
export function claimNamesOf(volumes: readonly Volume[] | undefined): string[] {
  return (volumes ?? []).flatMap((volume) => {
    const name = volume.persistentVolumeClaim?.claimName ??
      volume.ephemeral?.persistentVolumeClaim?.claimName ??
      volume.dataVolume?.name;
    return name ? [name] : [];
  });
}

/** The VMIs among `vmis` in `namespace` whose volumes use the claim `name`. */
export function vmisUsingClaim<T extends KubeObject & { spec?: { volumes?: Volume[] } }>(
  vmis: Iterable<T>,
  namespace: string,
  name: string,
): T[] {
  return [...vmis].filter((vmi) =>
    (vmi.metadata?.namespace ?? "default") === namespace &&
    claimNamesOf(vmi.spec?.volumes).includes(name)
  );
}

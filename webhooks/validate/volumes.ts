// Volume sources of a VMI spec: cloud-init within KubeVirt's size limits, hostDisk only where
// the administrator allows it, container images that parse, paths without tricks.
import { posix } from "node:path";
import {
  type CloudInitSource,
  ImageReferenceError,
  NOT_SUPPORTED,
  parseImageReference,
  parseQuantity,
  type Quantity,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { decodeBase64 } from "../../lib/base64.ts";
import { type Cause, cause, type WebhookConfig } from "../review.ts";
import { at, type Path } from "./paths.ts";

/** KubeVirt's limit on inline cloud-init user data and network data (cloudInitUserMaxLen). */
export const CLOUD_INIT_MAX_BYTES = 2048;
/** The flag of the webhooks role that allows a hostDisk directory. */
export const ALLOWED_HOSTDISK_FLAG = "--allowed-hostdisk-dir";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Causes for cloud-init payloads, host disks, container disk paths and disk capacities. */
export function checkVolumes(
  spec: VirtualMachineInstanceSpec,
  base: Path,
  config: WebhookConfig,
): Cause[] {
  const causes: Cause[] = [];
  spec.volumes?.forEach((volume, i) => {
    const path = [...base, "volumes", i] as const;
    if (volume.cloudInitNoCloud) {
      causes.push(...checkCloudInit(volume.cloudInitNoCloud, [...path, "cloudInitNoCloud"]));
    }
    if (volume.cloudInitConfigDrive) {
      causes.push(
        ...checkCloudInit(volume.cloudInitConfigDrive, [...path, "cloudInitConfigDrive"]),
      );
    }
    if (volume.hostDisk) {
      causes.push(...checkHostDiskPath(volume.hostDisk.path, at(path, "hostDisk", "path"), config));
      if (volume.hostDisk.capacity !== undefined) {
        if (volume.hostDisk.type === "Disk") {
          causes.push(
            cause(
              at(path, "hostDisk", "capacity"),
              `may only be set with ${at(path, "hostDisk", "type")} DiskOrCreate`,
            ),
          );
        } else causes.push(...positive(volume.hostDisk.capacity, at(path, "hostDisk", "capacity")));
      }
    }
    if (volume.emptyDisk) {
      causes.push(...positive(volume.emptyDisk.capacity, at(path, "emptyDisk", "capacity")));
    }
    if (volume.containerDisk) {
      try {
        parseImageReference(volume.containerDisk.image);
      } catch (error) {
        if (!(error instanceof ImageReferenceError)) throw error;
        causes.push(cause(at(path, "containerDisk", "image"), error.message));
      }
    }
    const containerPath = volume.containerDisk?.path;
    if (containerPath !== undefined) {
      const field = at(path, "containerDisk", "path");
      if (containerPath === "/") causes.push(cause(field, "must not be the root directory"));
      else if (!isCleanAbsolute(containerPath)) {
        causes.push(cause(field, "must be an absolute path to a file without relative components"));
      }
    }
    if (volume.persistentVolumeClaim?.claimName === "") {
      causes.push(
        cause(
          at(path, "persistentVolumeClaim", "claimName"),
          "Required value",
          "FieldValueRequired",
        ),
      );
    }
    if (volume.dataVolume?.name === "") {
      causes.push(cause(at(path, "dataVolume", "name"), "Required value", "FieldValueRequired"));
    }
  });
  return causes;
}

/** One user data source and one network data source at most, at least one of them, each small. */
export function checkCloudInit(source: CloudInitSource, base: Path): Cause[] {
  const causes: Cause[] = [];
  const data = [
    { kind: "user", inline: "userData", base64: "userDataBase64", secret: "secretRef" },
    {
      kind: "network",
      inline: "networkData",
      base64: "networkDataBase64",
      secret: "networkDataSecretRef",
    },
  ] as const;
  let sources = 0;
  for (const d of data) {
    const set = [d.inline, d.base64, d.secret].filter((k) =>
      source[k] !== undefined && source[k] !== ""
    );
    sources += set.length;
    if (set.length > 1) {
      causes.push(
        cause(
          at(base),
          `must set only one of ${d.inline}, ${d.base64} and ${d.secret}, found ${
            set.join(" and ")
          }`,
        ),
      );
    }
    let size: number | undefined;
    const inline = source[d.inline];
    const encoded = source[d.base64];
    if (inline) size = new TextEncoder().encode(inline).length;
    if (encoded) {
      const clean = encoded.replace(/\s+/g, "");
      if (!BASE64.test(clean)) {
        causes.push(cause(at(base, d.base64), "is not valid base64"));
      } else if (!isUtf8(decodeBase64(clean))) {
        // The agent writes user and network data as text files onto the cloud-init medium.
        causes.push(cause(
          at(base, d.base64),
          `${NOT_SUPPORTED} (${d.kind} data that is not UTF-8 text, such as gzip)`,
          "FieldValueNotSupported",
        ));
      } else {size = Math.floor(clean.length / 4) * 3 -
          (clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0);}
    }
    if (size !== undefined && size > CLOUD_INIT_MAX_BYTES) {
      const field = inline ? d.inline : d.base64;
      causes.push(cause(
        at(base, field),
        `${d.kind} data is ${size} bytes, over the limit of ${CLOUD_INIT_MAX_BYTES} bytes: put it in a Secret and use ${d.secret}`,
      ));
    }
  }
  if (sources === 0) {
    causes.push(cause(at(base), "must set user data or network data", "FieldValueRequired"));
  }
  return causes;
}

/** A hostDisk path must be clean, absolute and inside a directory the administrator allowed. */
export function checkHostDiskPath(path: string, field: string, config: WebhookConfig): Cause[] {
  if (path.split("/").includes("..")) return [cause(field, 'must not contain ".." segments')];
  if (!isCleanAbsolute(path)) {
    return [cause(field, "must be an absolute path without relative components")];
  }
  const allowed = config.allowedHostDiskDirs.map(cleanDir);
  if (allowed.length === 0) {
    return [cause(
      field,
      `hostDisk volumes are not allowed on this cluster: an administrator can allow a directory with the webhooks role's ${ALLOWED_HOSTDISK_FLAG}=<dir> flag`,
      "FieldValueNotSupported",
    )];
  }
  if (!allowed.some((dir) => path.startsWith(dir === "/" ? "/" : `${dir}/`) && path !== dir)) {
    return [cause(
      field,
      `${JSON.stringify(path)} is not inside a directory allowed for hostDisk volumes (${
        allowed.join(", ")
      })`,
      "FieldValueNotSupported",
    )];
  }
  return [];
}

function isCleanAbsolute(path: string): boolean {
  const trim = (p: string) => p.replace(/\/+$/, "");
  return path.startsWith("/") && trim(posix.normalize(path)) === trim(path);
}

function cleanDir(dir: string): string {
  const normalized = posix.normalize(dir);
  return normalized.length > 1 ? normalized.replace(/\/+$/, "") : normalized;
}

function positive(quantity: Quantity, field: string): Cause[] {
  try {
    if (parseQuantity(quantity).value > 0n) return [];
  } catch {
    // The schema reports quantities that do not parse.
    return [];
  }
  return [cause(field, `${JSON.stringify(String(quantity))}: must be greater than 0`)];
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

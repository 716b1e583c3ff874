/**
 * cloudInitNoCloud and cloudInitConfigDrive: the user and network data (inline, base64 or from
 * a Secret) and generated metadata, on an ISO labelled `cidata` or `config-2`.
 */
import { join } from "node:path";
import type { CloudInitSource, VirtualMachineInstance, Volume } from "../../api/mod.ts";
import { decodeBase64 } from "../../lib/base64.ts";
import { TerminalError } from "../../lib/errors.ts";
import { type PreparedDisk, type VolumeContext, volumeLabel } from "./context.ts";
import { writeIso } from "./iso.ts";

/** Upper bound of user data and of network data, each. */
export const MAX_CLOUD_INIT_BYTES = 256 * 1024;

export type CloudInitKind = "noCloud" | "configDrive";

export interface CloudInitData {
  userData: string;
  networkData: string | undefined;
}

/** Builds `<vmiDir>/<volume>.iso` for a cloud-init volume. */
export async function prepareCloudInit(
  vmi: VirtualMachineInstance,
  volume: Volume,
  vmiDir: string,
  ctx: Pick<VolumeContext, "getSecret">,
): Promise<PreparedDisk> {
  const kind: CloudInitKind = volume.cloudInitNoCloud ? "noCloud" : "configDrive";
  const source = (volume.cloudInitNoCloud ?? volume.cloudInitConfigDrive)!;
  const data = await cloudInitDataOf(vmi, volume.name, source, ctx);
  const path = join(vmiDir, `${volume.name}.iso`);
  const { label, files } = cloudInitMedia(vmi, kind, data);
  await writeIso(path, label, files);
  return { name: volume.name, path, format: "raw", readonly: true, device: "file" };
}

/** The files and label of the medium: pure, so it is tested without an ISO tool. */
export function cloudInitMedia(
  vmi: VirtualMachineInstance,
  kind: CloudInitKind,
  data: CloudInitData,
): { label: string; files: Record<string, string> } {
  const uid = vmi.metadata.uid ?? "";
  const hostname = vmi.spec.hostname || vmi.metadata.name || "";
  if (kind === "noCloud") {
    const files: Record<string, string> = {
      "meta-data": `instance-id: ${JSON.stringify(uid)}\nlocal-hostname: ${
        JSON.stringify(hostname)
      }\n`,
      "user-data": data.userData,
    };
    if (data.networkData !== undefined) files["network-config"] = data.networkData;
    return { label: "cidata", files };
  }
  const meta = { instance_id: uid, uuid: uid, hostname, local_hostname: hostname };
  const files: Record<string, string> = {
    "openstack/latest/meta_data.json": JSON.stringify(meta, null, 2) + "\n",
    "openstack/latest/user_data": data.userData,
  };
  if (data.networkData !== undefined) {
    files["openstack/latest/network_data.json"] = data.networkData;
  }
  return { label: "config-2", files };
}

/** User and network data from inline text, base64, or the referenced Secrets. */
export async function cloudInitDataOf(
  vmi: VirtualMachineInstance,
  name: string,
  source: CloudInitSource,
  ctx: Pick<VolumeContext, "getSecret">,
): Promise<CloudInitData> {
  const label = volumeLabel(name);
  const namespace = vmi.metadata.namespace ?? "default";
  const pick = async (
    field: string,
    inline: string | undefined,
    base64: string | undefined,
    secretRef: { name: string } | undefined,
    keys: string[],
  ): Promise<string | undefined> => {
    let text: string | undefined;
    if (inline !== undefined && inline !== "") text = inline;
    else if (base64 !== undefined && base64 !== "") {
      text = decode(base64, `${label}: ${field}Base64`);
    } else if (secretRef) text = await fromSecret(ctx, namespace, secretRef.name, keys, label);
    if (text !== undefined && new TextEncoder().encode(text).length > MAX_CLOUD_INIT_BYTES) {
      throw new TerminalError(`${label}: ${field} is larger than ${MAX_CLOUD_INIT_BYTES} bytes`);
    }
    return text;
  };
  const userData = await pick(
    "userData",
    source.userData,
    source.userDataBase64,
    source.secretRef,
    [
      "userdata",
      "userData",
    ],
  );
  const networkData = await pick(
    "networkData",
    source.networkData,
    source.networkDataBase64,
    source.networkDataSecretRef,
    ["networkdata", "networkData"],
  );
  if (userData === undefined && networkData === undefined) {
    throw new TerminalError(`${label}: cloud-init needs user data or network data`);
  }
  return { userData: userData ?? "", networkData };
}

function decode(base64: string, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(
      decodeBase64(base64.replace(/\s+/g, "")),
    );
  } catch {
    throw new TerminalError(`${what} is not base64 of UTF-8 text`);
  }
}

// A missing Secret or key may appear later: a plain error, so the agent retries.
async function fromSecret(
  ctx: Pick<VolumeContext, "getSecret">,
  namespace: string,
  secret: string,
  keys: string[],
  label: string,
): Promise<string> {
  const data = await ctx.getSecret(namespace, secret);
  if (!data) throw new Error(`${label}: Secret ${namespace}/${secret} was not found`);
  const key = keys.find((k) => data[k] !== undefined);
  if (!key) {
    throw new Error(`${label}: Secret ${namespace}/${secret} has no key ${keys.join(" or ")}`);
  }
  return decode(data[key]!, `${label}: Secret ${namespace}/${secret} key ${key}`);
}

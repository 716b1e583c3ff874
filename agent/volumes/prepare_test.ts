import assert from "node:assert/strict";
import { join } from "node:path";
import {
  SUPPORTED_VOLUME_SOURCES,
  type VirtualMachineInstance,
  type Volume,
  VOLUME_SOURCES,
  type VolumeSourceKind,
} from "../../api/mod.ts";
import { encodeBase64 } from "../../lib/base64.ts";
import { TerminalError } from "../../lib/errors.ts";
import { run } from "../../lib/exec.ts";
import { loadVmi } from "../testdata/vmis.ts";
import { cloudInitMedia } from "./cloud_init.ts";
import type { VolumeContext } from "./context.ts";
import { prepareDisks } from "./prepare.ts";
import { removeVmiDir, vmiDataDir } from "./vmi_dir.ts";

const b64 = (text: string) => encodeBase64(new TextEncoder().encode(text));

interface Env {
  base: string;
  ctx: VolumeContext;
  secrets: Map<string, Record<string, string>>;
  claims: Map<string, string>;
  /** containerDisk images by name: their cached disk (raw) files. */
  images: Map<string, string>;
}

async function withEnv(fn: (env: Env) => Promise<void>) {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "denovirt-volumes-" }));
  const secrets = new Map<string, Record<string, string>>();
  const claims = new Map<string, string>();
  const images = new Map<string, string>();
  await Deno.mkdir(join(base, "host-disks"));
  const ctx: VolumeContext = {
    dataDir: join(base, "data"),
    hostDiskRoots: [join(base, "host-disks")],
    getSecret: (ns, name) => Promise.resolve(secrets.get(`${ns}/${name}`)),
    resolveClaim: (ns, name) => {
      const path = claims.get(`${ns}/${name}`);
      return path
        ? Promise.resolve(path)
        : Promise.reject(new Error(`claim ${ns}/${name} is not bound`));
    },
    containerDisk: (_vmi, source) => {
      const path = images.get(source.image);
      return path
        ? Promise.resolve({ path, format: "raw" as const })
        : Promise.reject(new Error(`Failed to pull image "${source.image}": not found`));
    },
    releaseImages: () => Promise.resolve(),
  };
  try {
    await fn({ base, ctx, secrets, claims, images });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** A VMI whose disks (virtio) are the given volumes, in order. */
function vmiWith(
  volumes: NonNullable<VirtualMachineInstance["spec"]["volumes"]>,
): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "vol", namespace: "lab", uid: "11111111-2222-4333-8444-555555555555" },
    spec: {
      domain: { devices: { disks: volumes.map((v) => ({ name: v.name, disk: {} })) } },
      volumes,
    },
  };
}

const terminal = (message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof TerminalError, `expected a TerminalError, got ${error}`);
  assert.match((error as Error).message, message);
  return true;
};
const retryable = (message: RegExp) => (error: unknown) => {
  assert.ok(
    error instanceof Error && !(error instanceof TerminalError),
    `expected a plain Error, got ${error}`,
  );
  assert.match((error as Error).message, message);
  return true;
};

Deno.test("prepareDisks() puts a containerDisk behind a qcow2 overlay of its cached image", () =>
  withEnv(async ({ base, ctx, images }) => {
    const image = "quay.io/containerdisks/fedora:40";
    const cached = join(base, "cached.raw");
    await run("qemu-img", ["create", "-q", "-f", "raw", cached, "16M"]);
    images.set(image, cached);
    const vmi = vmiWith([{ name: "root", containerDisk: { image } }]);
    const [disk] = await prepareDisks(vmi, ctx);
    const overlay = join(vmiDataDir(ctx.dataDir, vmi.metadata.uid!), "root.overlay.qcow2");
    assert.deepEqual(disk, { name: "root", path: overlay, format: "qcow2", device: "file" });
    const info = JSON.parse((await run("qemu-img", ["info", "--output=json", overlay])).stdout);
    assert.equal(info["backing-filename"], cached);
    assert.equal(info["backing-filename-format"], "raw");
    await assert.rejects(
      prepareDisks(
        vmiWith([{ name: "root", containerDisk: { image: "quay.io/x/missing:1" } }]),
        ctx,
      ),
      retryable(/Failed to pull image "quay.io\/x\/missing:1"/),
    );
  }));

Deno.test("prepareDisks() refuses other unsupported sources and disks without volumes", () =>
  withEnv(async ({ ctx }) => {
    await assert.rejects(
      prepareDisks(vmiWith([{ name: "cm", configMap: { name: "x" } }]), ctx),
      terminal(/volume "cm": configMap: not supported by denovirt \(supported volume sources: /),
    );
    await assert.rejects(
      prepareDisks(vmiWith([{ name: "e", ephemeral: {} }]), ctx),
      terminal(/volume "e": ephemeral: not supported by denovirt/),
    );
    const vmi = vmiWith([]);
    vmi.spec.domain.devices.disks = [{ name: "orphan" }];
    await assert.rejects(prepareDisks(vmi, ctx), terminal(/Disk "orphan" has no volume/));
  }));

/** A volume of each source kind, as small as the schema allows. */
const EVERY_SOURCE: Record<VolumeSourceKind, Omit<Volume, "name">> = {
  containerDisk: { containerDisk: { image: "quay.io/containerdisks/fedora:40" } },
  persistentVolumeClaim: { persistentVolumeClaim: { claimName: "c" } },
  dataVolume: { dataVolume: { name: "d" } },
  cloudInitNoCloud: { cloudInitNoCloud: { userData: "#cloud-config\n" } },
  cloudInitConfigDrive: { cloudInitConfigDrive: { userData: "#cloud-config\n" } },
  emptyDisk: { emptyDisk: { capacity: "1Mi" } },
  hostDisk: { hostDisk: { path: "/nowhere/disk.img", type: "Disk" } },
  ephemeral: { ephemeral: { persistentVolumeClaim: { claimName: "c" } } },
  configMap: { configMap: { name: "m" } },
  secret: { secret: { secretName: "s" } },
  serviceAccount: { serviceAccount: { serviceAccountName: "a" } },
  downwardAPI: { downwardAPI: {} },
  downwardMetrics: { downwardMetrics: {} },
  sysprep: { sysprep: { secret: { name: "s" } } },
  memoryDump: { memoryDump: { claimName: "c" } },
  containerPath: { containerPath: { path: "/x" } },
};

Deno.test("prepareDisks() prepares exactly the volume sources api/unsupported.ts lists as supported", async () => {
  for (const kind of VOLUME_SOURCES) {
    await withEnv(async ({ ctx }) => {
      const refusal = await prepareDisks(vmiWith([{ name: "v", ...EVERY_SOURCE[kind] }]), ctx)
        .then(() => "", (error) => String(error));
      const refused = refusal.includes(`volume "v": ${kind}: not supported by denovirt`);
      assert.equal(refused, !SUPPORTED_VOLUME_SOURCES.includes(kind), `${kind}: ${refusal}`);
    });
  }
});

Deno.test("prepareDisks() creates a sparse hostDisk for DiskOrCreate and checks Disk", () =>
  withEnv(async ({ base, ctx }) => {
    const created = join(base, "host-disks", "vm1", "data.img");
    const [disk] = await prepareDisks(
      vmiWith([{
        name: "data",
        hostDisk: { path: created, type: "DiskOrCreate", capacity: "1Gi" },
      }]),
      ctx,
    );
    assert.deepEqual(disk, { name: "data", path: created, format: "raw", device: "file" });
    const info = await Deno.stat(created);
    assert.equal(info.size, 1024 ** 3);
    assert.ok(
      info.blocks !== null && info.blocks < 64,
      `expected a sparse file, ${info.blocks} blocks`,
    );
    // An existing file is used as it is, never truncated.
    await Deno.writeTextFile(created, "guest data");
    await prepareDisks(
      vmiWith([{
        name: "data",
        hostDisk: { path: created, type: "DiskOrCreate", capacity: "2Gi" },
      }]),
      ctx,
    );
    assert.equal(await Deno.readTextFile(created), "guest data");
    await assert.rejects(
      prepareDisks(
        vmiWith([{
          name: "data",
          hostDisk: { path: join(base, "host-disks", "nope.img"), type: "Disk" },
        }]),
        ctx,
      ),
      terminal(/hostDisk\.path .*nope\.img does not exist/),
    );
  }));

Deno.test("prepareDisks() keeps hostDisk inside the allowed roots", () =>
  withEnv(async ({ base, ctx }) => {
    await Deno.mkdir(join(base, "elsewhere"));
    await Deno.writeTextFile(join(base, "elsewhere", "secret.img"), "");
    await Deno.symlink(join(base, "elsewhere"), join(base, "host-disks", "link"));
    const hostDisk = (path: string) =>
      vmiWith([{ name: "d", hostDisk: { path, type: "DiskOrCreate", capacity: "1Mi" } }]);
    await assert.rejects(
      prepareDisks(hostDisk("/etc/passwd"), ctx),
      terminal(/outside the directories this node allows/),
    );
    await assert.rejects(
      prepareDisks(hostDisk(join(base, "host-disks", "..", "elsewhere", "secret.img")), ctx),
      terminal(/must not contain|outside the directories/),
    );
    await assert.rejects(
      prepareDisks(hostDisk(join(base, "host-disks", "link", "secret.img")), ctx),
      terminal(/through a symbolic link/),
    );
    await assert.rejects(
      prepareDisks(hostDisk(join(base, "host-disks", "link", "new.img")), ctx),
      terminal(/through a symbolic link/),
    );
    await assert.rejects(prepareDisks(hostDisk("relative.img"), ctx), terminal(/must be absolute/));
    await assert.rejects(
      prepareDisks(hostDisk(join(base, "host-disks")), ctx),
      terminal(/outside the directories/),
    );
  }));

Deno.test("prepareDisks() makes an emptyDisk qcow2 per VMI, removed with removeVmiDir()", () =>
  withEnv(async ({ ctx }) => {
    const vmi = vmiWith([{ name: "scratch", emptyDisk: { capacity: "64Mi" } }]);
    const [disk] = await prepareDisks(vmi, ctx);
    const dir = vmiDataDir(ctx.dataDir, vmi.metadata.uid);
    assert.deepEqual(disk, {
      name: "scratch",
      path: join(dir, "scratch.qcow2"),
      format: "qcow2",
      device: "file",
    });
    const info = await run("qemu-img", ["info", "--output=json", disk!.path]);
    assert.equal(JSON.parse(info.stdout)["virtual-size"], 64 * 1024 * 1024);
    assert.equal(JSON.parse(info.stdout)["format"], "qcow2");
    await removeVmiDir(ctx.dataDir, vmi.metadata.uid!);
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
    await removeVmiDir(ctx.dataDir, vmi.metadata.uid!);
  }));

Deno.test("prepareDisks() resolves claims: a directory's disk.img, a file, refusing escapes", () =>
  withEnv(async ({ base, ctx, claims }) => {
    const pv = join(base, "pv-1");
    await Deno.mkdir(pv);
    await Deno.writeTextFile(join(pv, "disk.img"), "");
    await Deno.writeTextFile(join(base, "pv-2.img"), "");
    claims.set("lab/root", pv);
    claims.set("lab/iso", join(base, "pv-2.img"));
    const vmi = vmiWith([
      { name: "root", dataVolume: { name: "root" } },
      { name: "iso", persistentVolumeClaim: { claimName: "iso", readOnly: true } },
    ]);
    assert.deepEqual(await prepareDisks(vmi, ctx), [
      { name: "root", path: join(pv, "disk.img"), format: "raw", device: "file" },
      { name: "iso", path: join(base, "pv-2.img"), format: "raw", device: "file", readonly: true },
    ]);
    await Deno.remove(join(pv, "disk.img"));
    await assert.rejects(
      prepareDisks(vmi, ctx),
      retryable(/claim lab\/root holds no disk\.img yet/),
    );
    await Deno.symlink("/etc/hostname", join(pv, "disk.img"));
    await assert.rejects(prepareDisks(vmi, ctx), terminal(/through a symbolic link/));
    claims.delete("lab/root");
    await assert.rejects(prepareDisks(vmi, ctx), retryable(/claim lab\/root is not bound/));
  }));

Deno.test("prepareDisks() puts an ephemeral claim behind a qcow2 overlay in the VMI's directory", () =>
  withEnv(async ({ base, ctx, claims }) => {
    await Deno.writeTextFile(join(base, "golden.img"), "");
    claims.set("lab/golden", join(base, "golden.img"));
    const vmi = vmiWith([{
      name: "root",
      ephemeral: { persistentVolumeClaim: { claimName: "golden" } },
    }]);
    const [disk] = await prepareDisks(vmi, ctx);
    const overlay = join(vmiDataDir(ctx.dataDir, vmi.metadata.uid), "root.overlay.qcow2");
    assert.deepEqual(disk, { name: "root", path: overlay, format: "qcow2", device: "file" });
    const info = JSON.parse((await run("qemu-img", ["info", "--output=json", overlay])).stdout);
    assert.equal(info["backing-filename"], join(base, "golden.img"));
    assert.equal(info["backing-filename-format"], "raw");
  }));

Deno.test("prepareDisks() builds a cidata ISO from inline, base64 and Secret data", () =>
  withEnv(async ({ ctx, secrets }) => {
    secrets.set("lab/net", { networkData: b64("version: 2\n") });
    const vmi = vmiWith([{
      name: "cloudinit",
      cloudInitNoCloud: {
        userDataBase64: b64("#!/bin/sh\necho hi\n"),
        networkDataSecretRef: { name: "net" },
      },
    }]);
    const [disk] = await prepareDisks(vmi, ctx);
    assert.equal(disk!.format, "raw");
    assert.equal(disk!.readonly, true);
    const iso = await Deno.readFile(disk!.path);
    // The primary volume descriptor's volume identifier (ISO 9660, sector 16, offset 40).
    assert.equal(new TextDecoder().decode(iso.subarray(32808, 32840)).trim(), "cidata");
    const text = new TextDecoder("latin1").decode(iso);
    assert.ok(text.includes("#!/bin/sh\necho hi\n") && text.includes("version: 2\n"));
    secrets.delete("lab/net");
    await assert.rejects(prepareDisks(vmi, ctx), retryable(/Secret lab\/net was not found/));
    secrets.set("lab/net", { other: b64("x") });
    await assert.rejects(
      prepareDisks(vmi, ctx),
      retryable(/has no key networkdata or networkData/),
    );
  }));

Deno.test("prepareDisks() refuses bad base64 and oversized cloud-init data", () =>
  withEnv(async ({ ctx }) => {
    const bad = vmiWith([{ name: "ci", cloudInitNoCloud: { userDataBase64: "!!!" } }]);
    await assert.rejects(prepareDisks(bad, ctx), terminal(/userDataBase64 is not base64/));
    const big = vmiWith([{
      name: "ci",
      cloudInitConfigDrive: { userData: "x".repeat(300 * 1024) },
    }]);
    await assert.rejects(prepareDisks(big, ctx), terminal(/userData is larger than 262144 bytes/));
    const empty = vmiWith([{ name: "ci", cloudInitNoCloud: {} }]);
    await assert.rejects(prepareDisks(empty, ctx), terminal(/needs user data or network data/));
  }));

Deno.test("cloudInitMedia() lays out NoCloud and config drive files", async () => {
  const vmi = await loadVmi("multi-disk");
  vmi.spec.hostname = "web-1";
  const noCloud = cloudInitMedia(vmi, "noCloud", {
    userData: "#cloud-config\n",
    networkData: "version: 2\n",
  });
  assert.deepEqual(noCloud, {
    label: "cidata",
    files: {
      "meta-data": 'instance-id: "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"\nlocal-hostname: "web-1"\n',
      "user-data": "#cloud-config\n",
      "network-config": "version: 2\n",
    },
  });
  const drive = cloudInitMedia(vmi, "configDrive", {
    userData: "#cloud-config\n",
    networkData: undefined,
  });
  assert.equal(drive.label, "config-2");
  assert.deepEqual(Object.keys(drive.files), [
    "openstack/latest/meta_data.json",
    "openstack/latest/user_data",
  ]);
  assert.deepEqual(JSON.parse(drive.files["openstack/latest/meta_data.json"]!), {
    instance_id: "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c",
    uuid: "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c",
    hostname: "web-1",
    local_hostname: "web-1",
  });
});

Deno.test("removeVmiDir() refuses uids that are not single path names", async () => {
  for (const uid of ["../etc", "a/b", "", ".hidden"]) {
    await assert.rejects(removeVmiDir("/tmp/denovirt-never", uid), TerminalError);
  }
});

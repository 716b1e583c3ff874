/** What the aggregated API says about itself: group, resource list, version, minimal OpenAPI. */
import denoJson from "../deno.json" with { type: "json" };

export const GROUP = "subresources.kubevirt.io";
/** Served versions; v1 preferred, v1alpha3 for older clients. */
export const VERSIONS = ["v1", "v1alpha3"] as const;

/**
 * The subresources served, in the order KubeVirt lists them; like virt-api, the list names
 * `virtualmachineinstances/portforward` only, though `virtualmachines/portforward` is served too.
 */
export const SUBRESOURCES = [
  "virtualmachineinstances/console",
  "virtualmachineinstances/vnc",
  "virtualmachineinstances/vnc/screenshot",
  "virtualmachineinstances/portforward",
  "virtualmachineinstances/pause",
  "virtualmachineinstances/unpause",
  "virtualmachineinstances/softreboot",
  "virtualmachineinstances/addvolume",
  "virtualmachineinstances/removevolume",
  "virtualmachines/start",
  "virtualmachines/stop",
  "virtualmachines/restart",
  "virtualmachines/migrate",
  "virtualmachines/addvolume",
  "virtualmachines/removevolume",
  "virtualmachineinstances/guestosinfo",
  "virtualmachineinstances/userlist",
  "virtualmachineinstances/filesystemlist",
];

/** `GET /apis/subresources.kubevirt.io`. */
export function apiGroup() {
  return {
    kind: "APIGroup",
    apiVersion: "v1",
    name: GROUP,
    versions: VERSIONS.map((version) => ({ groupVersion: `${GROUP}/${version}`, version })),
    preferredVersion: { groupVersion: `${GROUP}/v1`, version: "v1" },
  };
}

/**
 * `GET /apis/subresources.kubevirt.io/<version>`: names only, as virt-api serves it (its
 * apiVersion is the bare version, a quirk clients ignore).
 */
export function apiResourceList(version: string) {
  return {
    kind: "APIResourceList",
    apiVersion: version,
    groupVersion: `${GROUP}/${version}`,
    resources: SUBRESOURCES.map((name) => ({ name, namespaced: true })),
  };
}

/** `GET .../version`: KubeVirt's version.Info shape, filled with denovirt's. */
export function versionInfo() {
  return {
    gitVersion: `v${denoJson.version}-denovirt`,
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "",
    goVersion: `deno ${Deno.version.deno}`,
    compiler: "deno",
    platform: `${Deno.build.os}/${Deno.build.arch === "x86_64" ? "amd64" : Deno.build.arch}`,
  };
}

/** A minimal OpenAPI v2 document, enough for the aggregator's OpenAPI merging. */
export function openApiV2() {
  return {
    swagger: "2.0",
    info: { title: "denovirt subresources", version: denoJson.version },
    paths: {},
    definitions: {},
  };
}

/** `GET /openapi/v3`: the discovery document of OpenAPI v3 (no group documents). */
export function openApiV3() {
  return { paths: {} };
}

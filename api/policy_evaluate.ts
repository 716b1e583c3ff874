// The pure policy evaluator: the rules of the applicable policies against what an object will run
// (VMI specs after instance types and defaults, DataVolume specs, VM labels), answering each
// violation with the policy, the rule and the field path. Shared by the webhooks and whatever
// counts the existing objects that violate a policy.
import type { DataVolumeSpec } from "./data_volume.ts";
import { INTERFACE_BINDINGS } from "./devices.ts";
import { fieldPath } from "./errors.ts";
import type { ClusterPolicy, NamespacedPolicy, Policy, PolicyMode, PolicyRules } from "./policy.ts";
import { selects } from "./label_selector.ts";
import { hostMatches, imageAllowed, insideDirectory, urlHost } from "./policy_patterns.ts";
import { parseQuantity } from "./quantity.ts";
import { vcpusOf } from "./vcpus.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";
import { VOLUME_SOURCES } from "./volumes.ts";

/** A field path in an object: `["spec", "template", "spec"]`. */
type Path = readonly PropertyKey[];

const at = (base: Path, ...more: PropertyKey[]) => fieldPath([...base, ...more]);

/** What an admitted object asks for, each part with its path in the object. */
export interface PolicySubject {
  /** The VMI specs it will run, after instance types and defaults. */
  vmiSpecs: Array<{ path: Path; spec: VirtualMachineInstanceSpec }>;
  /** The labels of the VMs it makes (`requiredLabels`). */
  vmLabels: Array<{ path: Path; labels: Record<string, string> | undefined }>;
  dataVolumes: Array<{ path: Path; spec: DataVolumeSpec; fields?: ImportFields }>;
}

/**
 * Where an import's values are in an object that is not a DataVolume (a PVC carries them in CDI's
 * annotations and its own spec): the full paths that violations name.
 */
export interface ImportFields {
  url: Path;
  storageClassName: Path;
}

/** One rule of one policy that an object breaks. */
export interface PolicyViolation {
  policy: string;
  mode: PolicyMode;
  rule: keyof PolicyRules;
  field: string;
  /** What is wrong, naming the policy and the rule (the field is not repeated). */
  message: string;
}

type Report = (rule: keyof PolicyRules, field: string, what: string, verb?: string) => void;

/** The cluster policies whose selector picks a namespace with `labels`, and its own policies. */
export function applicablePolicies(
  clusterPolicies: readonly ClusterPolicy[],
  namespacedPolicies: readonly NamespacedPolicy[],
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): Policy[] {
  return [
    ...clusterPolicies.filter((p) =>
      !p.spec.namespaceSelector || selects(p.spec.namespaceSelector, namespaceLabels)
    ),
    ...namespacedPolicies.filter((p) => p.metadata.namespace === namespace),
  ];
}

/** The violations of `subject` against each of `policies`. */
export function evaluatePolicies(
  policies: readonly Policy[],
  subject: PolicySubject,
): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    const name = `${policy.kind} ${policy.metadata.name}`;
    const report: Report = (rule, field, what, verb = "allowed by") =>
      violations.push({
        policy: name,
        mode: policy.spec.mode,
        rule,
        field,
        message: `${what} ${verb} ${name} (${rule})`,
      });
    const rules = policy.spec.rules;
    for (const { path, spec } of subject.vmiSpecs) checkVmiSpec(rules, path, spec, report);
    for (const { path, labels } of subject.vmLabels) checkLabels(rules, path, labels, report);
    for (const { path, spec, fields } of subject.dataVolumes) {
      checkDataVolume(rules, spec, report, importPaths(path, spec, fields));
    }
  }
  return violations;
}

function checkVmiSpec(
  rules: PolicyRules,
  path: Path,
  spec: VirtualMachineInstanceSpec,
  report: Report,
): void {
  const domain = spec.domain;
  if (rules.maxGuestMemory !== undefined) {
    const [field, memory] = guestMemoryOf(spec);
    if (memory !== undefined && bytes(memory) > bytes(rules.maxGuestMemory)) {
      report(
        "maxGuestMemory",
        at(path, ...field),
        `${memory} is over ${rules.maxGuestMemory}`,
      );
    }
  }
  if (rules.maxVCPUs !== undefined) {
    const vcpus = vcpusOf(spec);
    if (vcpus > rules.maxVCPUs) {
      report("maxVCPUs", at(path, "domain", "cpu"), `${vcpus} vCPUs are over ${rules.maxVCPUs}`);
    }
  }
  (spec.volumes ?? []).forEach((volume, i) => {
    const source = VOLUME_SOURCES.find((key) => volume[key] !== undefined);
    if (source && rules.forbiddenVolumeTypes?.includes(source)) {
      report(
        "forbiddenVolumeTypes",
        at(path, "volumes", i, source),
        `${source} volumes are`,
        "forbidden by",
      );
    }
    const hostPath = volume.hostDisk?.path;
    if (hostPath !== undefined && rules.allowedHostDiskDirs !== undefined) {
      if (!rules.allowedHostDiskDirs.some((dir) => insideDirectory(dir, hostPath))) {
        report(
          "allowedHostDiskDirs",
          at(path, "volumes", i, "hostDisk", "path"),
          `${JSON.stringify(hostPath)} is not inside a directory`,
        );
      }
    }
    const image = volume.containerDisk?.image;
    if (image !== undefined && rules.allowedImageRegistries !== undefined) {
      if (!imageAllowed(rules.allowedImageRegistries, image)) {
        report(
          "allowedImageRegistries",
          at(path, "volumes", i, "containerDisk", "image"),
          `${JSON.stringify(image)} is not from a registry`,
        );
      }
    }
  });
  if (rules.allowedNetworkBindings !== undefined) {
    (domain.devices?.interfaces ?? []).forEach((iface, i) => {
      const binding = INTERFACE_BINDINGS.find((key) => iface[key] !== undefined);
      if (binding && !rules.allowedNetworkBindings!.includes(binding)) {
        report(
          "allowedNetworkBindings",
          at(path, "domain", "devices", "interfaces", i, binding),
          `the ${binding} binding is not`,
        );
      }
    });
  }
}

/** The guest memory and where it is set: memory.guest, else the request, else the limit. */
function guestMemoryOf(spec: VirtualMachineInstanceSpec): [PropertyKey[], string | undefined] {
  const domain = spec.domain;
  if (domain.memory?.guest !== undefined) {
    return [["domain", "memory", "guest"], String(domain.memory.guest)];
  }
  for (const kind of ["requests", "limits"] as const) {
    const memory = domain.resources?.[kind]?.memory;
    if (memory !== undefined) return [["domain", "resources", kind, "memory"], String(memory)];
  }
  return [[], undefined];
}

function bytes(quantity: string | number): bigint {
  return parseQuantity(quantity).milliValue;
}

function checkLabels(
  rules: PolicyRules,
  path: Path,
  labels: Record<string, string> | undefined,
  report: Report,
): void {
  for (const required of rules.requiredLabels ?? []) {
    const value = labels?.[required.key];
    if (value === undefined) {
      report("requiredLabels", at(path), `label ${JSON.stringify(required.key)} is`, "required by");
    } else if (required.values !== undefined && !required.values.includes(value)) {
      report(
        "requiredLabels",
        at(path, required.key),
        `${JSON.stringify(value)} is not a value`,
      );
    }
  }
}

/** Where violations of an import point: its URL (http or registry) and its storage class. */
interface ImportPaths {
  http: string;
  registry: string;
  storageClassName: string;
}

/** The paths of a DataVolume spec's values under `path`, or where `fields` says they are. */
function importPaths(path: Path, spec: DataVolumeSpec, fields?: ImportFields): ImportPaths {
  if (fields) {
    const url = fieldPath(fields.url);
    return { http: url, registry: url, storageClassName: fieldPath(fields.storageClassName) };
  }
  const storage = spec.storage ? "storage" : "pvc";
  return {
    http: at(path, "source", "http", "url"),
    registry: at(path, "source", "registry", "url"),
    storageClassName: at(path, storage, "storageClassName"),
  };
}

function checkDataVolume(
  rules: PolicyRules,
  spec: DataVolumeSpec,
  report: Report,
  paths: ImportPaths,
): void {
  const url = spec.source?.http?.url;
  if (url !== undefined && rules.allowedImportHosts !== undefined) {
    const host = urlHost(url);
    if (host === undefined || !rules.allowedImportHosts.some((p) => hostMatches(p, host))) {
      report("allowedImportHosts", paths.http, `host ${JSON.stringify(host ?? url)} is not`);
    }
  }
  const docker = spec.source?.registry?.url;
  if (docker !== undefined && rules.allowedImageRegistries !== undefined) {
    const image = docker.replace(/^docker:\/\//, "");
    if (!imageAllowed(rules.allowedImageRegistries, image)) {
      report(
        "allowedImageRegistries",
        paths.registry,
        `${JSON.stringify(image)} is not from a registry`,
      );
    }
  }
  // A DataVolume without a class gets the cluster's default, which the administrator chose.
  const className = (spec.storage ?? spec.pvc)?.storageClassName;
  if (className && rules.allowedStorageClasses !== undefined) {
    if (!rules.allowedStorageClasses.includes(className)) {
      report(
        "allowedStorageClasses",
        paths.storageClassName,
        `storage class ${JSON.stringify(className)} is not`,
      );
    }
  }
}

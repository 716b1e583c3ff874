import assert from "node:assert/strict";
import {
  evictionStrategyOf,
  evictionStrategySetting,
  isLiveMigratable,
  migratesOnEviction,
} from "./eviction.ts";
import type { EvictionStrategy } from "./vmi_spec.ts";
import type { VirtualMachineInstance } from "./virtual_machine_instance.ts";

const vmi = (
  evictionStrategy: EvictionStrategy | undefined,
  migratable: "True" | "False" | undefined,
): VirtualMachineInstance => ({
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachineInstance",
  metadata: { name: "v" },
  spec: { domain: { devices: {} }, ...(evictionStrategy ? { evictionStrategy } : {}) },
  status: migratable ? { conditions: [{ type: "LiveMigratable", status: migratable }] } : {},
});

Deno.test("evictionStrategySetting() reads a known strategy and ignores anything else", () => {
  assert.equal(evictionStrategySetting(" LiveMigrate\n"), "LiveMigrate");
  assert.equal(evictionStrategySetting("None"), "None");
  assert.equal(evictionStrategySetting("livemigrate"), undefined);
  assert.equal(evictionStrategySetting(""), undefined);
  assert.equal(evictionStrategySetting(undefined), undefined);
});

Deno.test("evictionStrategyOf() prefers the VMI's strategy over the cluster's", () => {
  assert.equal(evictionStrategyOf(vmi("None", "True"), "LiveMigrate"), "None");
  assert.equal(evictionStrategyOf(vmi(undefined, "True"), "LiveMigrate"), "LiveMigrate");
  assert.equal(evictionStrategyOf(vmi(undefined, "True"), undefined), undefined);
});

Deno.test("isLiveMigratable() needs the LiveMigratable condition True", () => {
  assert.equal(isLiveMigratable(vmi(undefined, "True")), true);
  assert.equal(isLiveMigratable(vmi(undefined, "False")), false);
  assert.equal(isLiveMigratable(vmi(undefined, undefined)), false);
});

Deno.test("migratesOnEviction() follows KubeVirt's table", () => {
  const cases: Array<[EvictionStrategy | undefined, "True" | "False", boolean]> = [
    ["LiveMigrate", "True", true],
    ["LiveMigrate", "False", true],
    ["LiveMigrateIfPossible", "True", true],
    ["LiveMigrateIfPossible", "False", false],
    ["None", "True", false],
    ["External", "True", false],
    [undefined, "True", false],
  ];
  for (const [strategy, migratable, expected] of cases) {
    assert.equal(migratesOnEviction(vmi(strategy, migratable), undefined), expected, strategy);
  }
  assert.equal(migratesOnEviction(vmi(undefined, "True"), "LiveMigrate"), true);
});

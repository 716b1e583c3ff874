import assert from "node:assert/strict";
import { insecureRegistriesOf, migrationPolicyOf, secondsSetting } from "./denovirt_config.ts";

Deno.test("insecureRegistriesOf() reads one host[:port] per line and skips blank ones", () => {
  assert.deepEqual(insecureRegistriesOf("127.0.0.1:5000\n\n  registry.lan \n"), [
    "127.0.0.1:5000",
    "registry.lan",
  ]);
  assert.deepEqual(insecureRegistriesOf(""), []);
  assert.deepEqual(insecureRegistriesOf(undefined), []);
});

Deno.test("insecureRegistriesOf() skips # comments and lower-cases the hosts", () => {
  assert.deepEqual(
    insecureRegistriesOf("Registry.Lab:443  # the lab\n# old.example\n"),
    ["registry.lab:443"],
  );
});

Deno.test("migrationPolicyOf() reads KubeVirt's migration fields over its defaults", () => {
  assert.deepEqual(migrationPolicyOf(undefined), {
    bandwidthMiB: 0,
    completionTimeoutPerGiB: 150,
    progressTimeout: 150,
  });
  assert.deepEqual(
    migrationPolicyOf('{"bandwidthPerMigration":"64Mi","progressTimeout":30}'),
    { bandwidthMiB: 64, completionTimeoutPerGiB: 150, progressTimeout: 30 },
  );
  assert.equal(migrationPolicyOf('{"bandwidthPerMigration":"1Gi"}').bandwidthMiB, 1024);
  assert.equal(migrationPolicyOf('{"bandwidthPerMigration":"0Mi"}').bandwidthMiB, 0);
  assert.throws(
    () => migrationPolicyOf('{"bandwidthPerMigration":"fast"}'),
    /migrations\.bandwidthPerMigration/,
  );
  assert.throws(() => migrationPolicyOf('{"progressTimeout":-1}'), /migrations\.progressTimeout/);
  assert.throws(() => migrationPolicyOf("nope"), /not a JSON object/);
});

Deno.test("secondsSetting() reads whole seconds and ignores anything else", () => {
  assert.equal(secondsSetting(" 30\n"), 30);
  assert.equal(secondsSetting("0"), 0);
  assert.equal(secondsSetting("-5"), undefined);
  assert.equal(secondsSetting("1.5"), undefined);
  assert.equal(secondsSetting(""), undefined);
  assert.equal(secondsSetting(undefined), undefined);
});

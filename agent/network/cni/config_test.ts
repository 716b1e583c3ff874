import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ensureConfFromTemplate,
  loadNetwork,
  noNetworkMessage,
  renderTemplate,
  scanConfDir,
  TEMPLATE_CONF_FILE,
  versionAtLeast,
} from "./config.ts";

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-cni-conf-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes `files` into `dir`; a value of null makes a directory. */
async function writeFiles(dir: string, files: Record<string, string | null>) {
  for (const [name, text] of Object.entries(files)) {
    if (text === null) await Deno.mkdir(join(dir, name));
    else await Deno.writeTextFile(join(dir, name), text);
  }
}

const list = (name: string, plugins: unknown[], extra: object = {}) =>
  JSON.stringify({ cniVersion: "1.0.0", name, plugins, ...extra });
const bridge = { type: "bridge", bridge: "dv0", ipam: { type: "host-local" } };
const portmap = { type: "portmap", capabilities: { portMappings: true } };
const single = (name: string, extra: object = {}) =>
  JSON.stringify({ cniVersion: "0.4.0", name, type: "bridge", bridge: "cni0", ...extra });

Deno.test("scanConfDir() picks the first valid file by name, as a kubelet does", async () => {
  const cases: {
    name: string;
    files: Record<string, string | null>;
    network?: { file: string; name: string; cniVersion: string; types: string[] };
    skipped?: RegExp[];
  }[] = [
    { name: "an empty dir", files: {} },
    {
      name: "a config list",
      files: { "10-denovirt.conflist": list("denovirt", [bridge, portmap]) },
      network: {
        file: "10-denovirt.conflist",
        name: "denovirt",
        cniVersion: "1.0.0",
        types: ["bridge", "portmap"],
      },
    },
    {
      name: "a single plugin .conf becomes a list of one",
      files: { "87-podman.conf": single("podman") },
      network: { file: "87-podman.conf", name: "podman", cniVersion: "0.4.0", types: ["bridge"] },
    },
    {
      name: "a single plugin .json, sorted before a later list",
      files: { "20-b.conflist": list("b", [bridge]), "10-a.json": single("a") },
      network: { file: "10-a.json", name: "a", cniVersion: "0.4.0", types: ["bridge"] },
    },
    {
      name: "invalid files before the valid one are skipped with their reason",
      files: {
        "00-broken.conflist": "{",
        "01-empty.conflist": list("e", []),
        "02-notype.conflist": list("n", [{ bridge: "x" }]),
        "03-list-as-conf.conf": list("l", [bridge]),
        "04-old.conf": single("old", { cniVersion: "0.2.0" }),
        "05-path.conflist": list("p", [{ type: "../bin/sh" }]),
        "06-name.conflist": list("-bad", [bridge]),
        "07-version.conflist": list("v", [bridge], { cniVersion: 1 }),
        "08-array.json": "[]",
        "50-good.conflist": list("good", [bridge]),
        "60-broken.conflist": "{",
      },
      network: { file: "50-good.conflist", name: "good", cniVersion: "1.0.0", types: ["bridge"] },
      skipped: [
        /^00-broken\.conflist: invalid JSON/,
        /^01-empty\.conflist: plugins must be a non-empty list$/,
        /^02-notype\.conflist: plugins\[0\] has no type$/,
        /^03-list-as-conf\.conf: the configuration has no type$/,
        /^04-old\.conf: cniVersion 0\.2\.0 is not supported/,
        /^05-path\.conflist: plugins\[0\]\.type "\.\.\/bin\/sh" is not a file name$/,
        /^06-name\.conflist: network name "-bad" must start with a letter or digit/,
        /^07-version\.conflist: cniVersion must be a version such as "1\.0\.0", not 1$/,
        /^08-array\.json: the configuration must be a JSON object$/,
      ],
    },
    {
      name: "other names, and directories, are not configuration",
      files: { "README.md": "{", "10-x.conflist.bak": "{", "20-dir.conflist": null },
    },
    {
      name: "nothing valid",
      files: { "10-x.conf": "not json" },
      skipped: [/^10-x\.conf: invalid JSON/],
    },
  ];
  for (const c of cases) {
    await withDir(async (dir) => {
      await writeFiles(dir, c.files);
      const scan = await scanConfDir(dir);
      if (c.network) {
        assert.ok(scan.network, c.name);
        assert.equal(scan.network.file, join(dir, c.network.file), c.name);
        assert.equal(scan.network.name, c.network.name, c.name);
        assert.equal(scan.network.cniVersion, c.network.cniVersion, c.name);
        assert.deepEqual(scan.network.plugins.map((p) => p.type), c.network.types, c.name);
      } else {
        assert.equal(scan.network, undefined, c.name);
      }
      const skipped = c.skipped ?? [];
      assert.equal(scan.skipped.length, skipped.length, `${c.name}: ${scan.skipped}`);
      skipped.forEach((re, i) => assert.match(scan.skipped[i]!, re, c.name));
    });
  }
});

Deno.test("scanConfDir() keeps a .conf's whole object as its plugin, and disableCheck", () =>
  withDir(async (dir) => {
    await writeFiles(dir, {
      "10-a.conf": single("a", { ipMasq: true }),
      "05-b.conflist": list("b", [bridge], { disableCheck: "true" }),
    });
    const b = await loadNetwork(dir);
    assert.equal(b?.disableCheck, true);
    await Deno.remove(join(dir, "05-b.conflist"));
    const a = await loadNetwork(dir);
    assert.deepEqual(a?.plugins, [JSON.parse(single("a", { ipMasq: true }))]);
    assert.equal(a?.disableCheck, undefined);
  }));

Deno.test("loadNetwork() answers undefined for a dir that does not exist", async () => {
  assert.equal(await loadNetwork("/nonexistent/denovirt/net.d"), undefined);
});

Deno.test("noNetworkMessage() names the dir and why each file was skipped", () => {
  assert.equal(
    noNetworkMessage("/etc/cni/net.d", []),
    "No valid CNI network configuration in /etc/cni/net.d",
  );
  assert.equal(
    noNetworkMessage("/d", [
      "a.conf: invalid JSON: x",
      "b.conflist: plugins must be a non-empty list",
    ]),
    "No valid CNI network configuration in /d: a.conf: invalid JSON: x; " +
      "b.conflist: plugins must be a non-empty list",
  );
});

const TEMPLATE = `{
  "cniVersion": "1.0.0",
  "name": "denovirt",
  "plugins": [
    { "type": "bridge", "bridge": "dv0", "isGateway": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "{{.PodCIDR}}" }]],
                "routes": [{ "dst": "0.0.0.0/0" }], "comment": "{{ .PodCIDR }}" } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}`;

Deno.test("renderTemplate() fills every {{.PodCIDR}} and checks the result", () => {
  const rendered = JSON.parse(renderTemplate(TEMPLATE, { podCIDR: "10.244.3.0/24" }));
  assert.deepEqual(rendered.plugins[0].ipam.ranges, [[{ subnet: "10.244.3.0/24" }]]);
  assert.equal(rendered.plugins[0].ipam.comment, "10.244.3.0/24");
  const cases: [string, string, RegExp][] = [
    [TEMPLATE, "10.244.3.0", /^Error: Pod CIDR "10\.244\.3\.0" is not a CIDR$/],
    [
      TEMPLATE.replace("0.0.0.0/0", "{{.Routes}}"),
      "10.244.3.0/24",
      /Unknown template field {{\.Routes}}/,
    ],
    [
      `{"cniVersion":"1.0.0","name":"x","type":"bridge"}`,
      "10.244.3.0/24",
      /not a CNI config list: plugins must be/,
    ],
    [`{"name": {{.PodCIDR}}}`, "10.244.3.0/24", /not a CNI config list: invalid JSON/],
  ];
  for (const [text, podCIDR, message] of cases) {
    assert.throws(() => renderTemplate(text, { podCIDR }), message);
  }
});

Deno.test("ensureConfFromTemplate() writes the rendered list only into a dir without config", () =>
  withDir(async (base) => {
    const template = join(base, "denovirt.conflist.template");
    await Deno.writeTextFile(template, TEMPLATE);
    const confDir = join(base, "net.d");
    assert.equal(await ensureConfFromTemplate(confDir, template, "10.244.3.0/24"), true);
    const written = join(confDir, TEMPLATE_CONF_FILE);
    assert.equal(
      await Deno.readTextFile(written),
      renderTemplate(TEMPLATE, { podCIDR: "10.244.3.0/24" }),
    );
    assert.deepEqual([...Deno.readDirSync(confDir)].map((e) => e.name), [TEMPLATE_CONF_FILE]);
    const network = await loadNetwork(confDir);
    assert.equal(network?.file, written);
    // Written once: a later pod CIDR does not rewrite it.
    assert.equal(await ensureConfFromTemplate(confDir, template, "10.244.9.0/24"), false);
    assert.match(await Deno.readTextFile(written), /10\.244\.3\.0\/24/);
  }));

Deno.test("ensureConfFromTemplate() leaves an operator's file, even an invalid one, alone", () =>
  withDir(async (confDir) => {
    const template = join(confDir, "template");
    await Deno.writeTextFile(template, TEMPLATE);
    await writeFiles(confDir, { "README": "", "05-operator.conf": "{" });
    assert.equal(await ensureConfFromTemplate(confDir, template, "10.244.3.0/24"), false);
    await Deno.remove(join(confDir, "05-operator.conf"));
    assert.equal(await ensureConfFromTemplate(confDir, template, "10.244.3.0/24"), true);
  }));

Deno.test("ensureConfFromTemplate() names the template when it cannot be used", () =>
  withDir(async (dir) => {
    const template = join(dir, "bad.template");
    await Deno.writeTextFile(template, TEMPLATE.replace("plugins", "plug"));
    await assert.rejects(
      ensureConfFromTemplate(join(dir, "net.d"), template, "10.244.3.0/24"),
      new RegExp(`^Error: Cannot use CNI config template ${template}: .*plugins must be`),
    );
    assert.deepEqual([...Deno.readDirSync(join(dir, "net.d"))], []);
    await assert.rejects(
      ensureConfFromTemplate(join(dir, "net.d"), join(dir, "missing"), "10.244.3.0/24"),
      /Cannot use CNI config template .*missing: .*No such file/,
    );
  }));

Deno.test("versionAtLeast() compares spec versions part by part", () => {
  const cases: [string, string, boolean][] = [
    ["1.0.0", "0.4.0", true],
    ["0.4.0", "0.4.0", true],
    ["0.3.1", "0.4.0", false],
    ["0.10.0", "0.4.0", true],
    ["1.0.0", "2.0.0", false],
    ["x", "0.4.0", false],
  ];
  for (const [a, b, expected] of cases) assert.equal(versionAtLeast(a, b), expected, `${a} ${b}`);
});

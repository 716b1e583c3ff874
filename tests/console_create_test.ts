/**
 * Creating VMs in the web console, in a real browser against the test stack: the short form's
 * VM from the stack registry's image reaches Running, the webhooks' refusal is shown with its
 * field path, pasted YAML creates a VM, a VM from a URL imports a DataVolume whose progress the
 * DataVolumes page shows, and the Nodes page counts the VMs on each node.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { consoleFile } from "../stack/console_file.ts";
import { STACK_FIXTURE_TAG, stackRegistry } from "../stack/stack_registry.ts";
import { freshPage, signIn, waitForMatch, waitForText, withBrowser } from "./support/browser.ts";
import { serveImages } from "./support/image_server.ts";
import { type TestStack, testStack, withNamespace } from "./support/stack.ts";

const ignore = !(["controllers", "agent", "webhooks"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();
const SHOTS = Deno.env.get("DENOVIRT_CONSOLE_SCREENSHOTS");

Deno.test({
  name:
    "console: create VMs from the form and from YAML, see refusals, DataVolume progress and VMs per node",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "create", async (namespace) => {
      const { url, token } = JSON.parse(await Deno.readTextFile(consoleFile(stack!.paths)));
      const image = `${
        stackRegistry(stack!.ports).host
      }/${FIXTURE_REPOSITORY}:${STACK_FIXTURE_TAG}`;
      const images = serveImages({ "/disk.raw": { file: (await ensureGuestFixture()).diskRaw } });
      try {
        await withBrowser(url, async (browser) => {
          const { page, errors } = await freshPage(browser);
          await signIn(page, `${url}#/create`, token);
          const fill = async (fields: Record<string, string>) => {
            for (const [name, value] of Object.entries(fields)) {
              await page.fill(`#create-form [name=${name}]`, value);
            }
          };
          await fill({
            name: "formvm",
            namespace,
            source: image,
            cpu: "1",
            memory: "96Mi",
            userData: `#cloud-config\nhostname: formvm\n# ${"x".repeat(2100)}`,
          });
          await page.click("#create-submit");
          const refused = await waitForMatch(page, "#error", /denied the request/, 30_000);
          assert.match(
            refused,
            /^admission webhook "[^"]+" denied the request: .*spec\.template\.spec\.volumes\[1\]\.cloudInitNoCloud\.userData/,
          );
          if (SHOTS) await page.screenshot({ path: `${SHOTS}/console-create.png`, fullPage: true });

          await fill({ userData: "", sshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake me@test" });
          await page.click("#create-submit");
          await page.waitForURL(new RegExp(`#/vm/${namespace}/formvm$`));
          await waitForText(page, '#summary dd[data-key="Status"]', "Running", 240_000);
          assert.equal(await page.textContent('#summary dd[data-key="Memory"]'), "96Mi");

          await page.goto(`${url}#/create`);
          await page.fill("#yaml-form [name=namespace]", namespace);
          await page.fill(
            "#yaml-form [name=yaml]",
            [
              "apiVersion: kubevirt.io/v1",
              "kind: VirtualMachine",
              "metadata:",
              "  name: yamlvm",
              "spec:",
              "  runStrategy: Halted",
              "  template:",
              "    spec:",
              "      domain:",
              "        memory:",
              "          guest: 64Mi",
              "        devices: {}",
            ].join("\n"),
          );
          await page.click("#yaml-submit");
          await page.waitForURL(new RegExp(`#/vm/${namespace}/yamlvm$`));
          await waitForText(page, '#summary dd[data-key="Status"]', "Stopped", 60_000);

          await page.goto(`${url}#/create`);
          await fill({
            name: "urlvm",
            namespace,
            source: `${images.base}/disk.raw`,
            memory: "96Mi",
          });
          await page.click("#create-submit");
          await page.waitForURL(new RegExp(`#/vm/${namespace}/urlvm$`));
          await page.goto(`${url}#/datavolumes/${namespace}`);
          const row = `tr[data-dv="${namespace}/urlvm-rootdisk"]`;
          await waitForText(page, `${row} td.phase`, "Succeeded", 180_000);
          assert.equal(await page.textContent(`${row} td.progress`), " 100.0%");
          if (SHOTS) await page.screenshot({ path: `${SHOTS}/console-datavolumes.png` });
          // The VM's own page lists the DataVolume it imported, with its progress.
          await page.goto(`${url}#/vm/${namespace}/urlvm`);
          await waitForText(page, "#vm-datavolumes tbody tr td:nth-child(3)", "100.0%", 60_000);
          assert.equal(
            await page.textContent("#vm-datavolumes tbody tr td:nth-child(1)"),
            "urlvm-rootdisk",
          );

          const vmi = await stack!.admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
            group: "kubevirt.io",
            version: "v1",
            plural: "virtualmachineinstances",
            namespace,
            name: "formvm",
          }) as { status: { nodeName: string } };
          await page.goto(`${url}#/nodes`);
          await waitForText(page, `tr[data-node="${vmi.status.nodeName}"] td.ready`, "True");
          await waitForMatch(page, `tr[data-node="${vmi.status.nodeName}"] td.vms`, /^[1-9]\d*$/);
          if (SHOTS) await page.screenshot({ path: `${SHOTS}/console-nodes.png` });
          assert.deepEqual(errors, []);
        });
      } finally {
        await images.close();
      }
    }),
});

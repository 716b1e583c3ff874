/**
 * The web console in a real browser (Debian chromium through playwright-core) against the test
 * stack: sign in with the token `up` wrote to console.json, see a VM Running in the live list,
 * stop it and start it; a user whose token is bound only to `view` sees the VM but cannot stop
 * it, and is shown the API server's own error. A VM's page: summary, conditions, events, YAML,
 * the serial console in xterm.js answering what is typed, and the screen drawn by noVNC.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { consoleFile } from "../stack/console_file.ts";
import { freshPage, signIn, waitForMatch, waitForText, withBrowser } from "./support/browser.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";

const ignore = !(["controllers", "agent", "webhooks"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();
const VMS = { group: "kubevirt.io", version: "v1", plural: "virtualmachines" };
/** Where the tests leave screenshots of the pages, when set. */
const SHOTS = Deno.env.get("DENOVIRT_CONSOLE_SCREENSHOTS");

/** A VM booting a private copy of the guest fixture; answers the disk to remove afterwards. */
async function createBootingVm(namespace: string, name: string): Promise<string> {
  const fixture = await ensureGuestFixture();
  const disk = join(hostDiskDir(stack!.paths), `${namespace}-${name}.img`);
  await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
  await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
  await stack!.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...VMS,
    namespace,
    body: {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachine",
      metadata: { name },
      spec: {
        runStrategy: "Always",
        template: {
          spec: {
            domain: {
              resources: { requests: { memory: "96Mi" } },
              devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
            },
            volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }],
            terminationGracePeriodSeconds: 0,
          },
        },
      },
    },
  });
  return disk;
}

/** A ServiceAccount bound in `namespace` to the `view` ClusterRole only, and its token. */
async function viewerToken(namespace: string): Promise<string> {
  const core = stack!.admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "viewer" } } });
  await stack!.admin.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: "viewer-view" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "viewer", namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name: "viewer",
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  return request.status!.token;
}

Deno.test({
  name: "console: sign in, see a VM Running, stop and start it; a view-only user cannot stop it",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "console", async (namespace) => {
      const { url, token } = JSON.parse(await Deno.readTextFile(consoleFile(stack!.paths)));
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/console\/$/);
      const disk = await createBootingVm(namespace, "web");
      try {
        // The guest's network comes up before the browser does (see signIn()).
        await eventually("the VM to run", async () => {
          const vm = await stack!.admin.makeApiClient(CustomObjectsApi)
            .getNamespacedCustomObject({ ...VMS, namespace, name: "web" }) as {
              status?: { printableStatus?: string };
            };
          return vm.status?.printableStatus === "Running" ? true : undefined;
        }, 180_000);
        await withBrowser(url, async (browser) => {
          const row = `tr[data-vm="${namespace}/web"]`;
          const admin = await freshPage(browser);
          const started = Date.now();
          assert.equal(
            await signIn(admin.page, url, token),
            "system:serviceaccount:denovirt:denovirt-console",
          );
          await waitForText(admin.page, `${row} td.status`, "Running", 180_000);
          console.log(
            `VM Running in the list ${Date.now() - started} ms after opening the console`,
          );
          // The VMI's node and address come from the VMI watch, which may trail the VM's.
          await waitForMatch(admin.page, `${row} td.node`, /\S/);
          if (SHOTS) await admin.page.screenshot({ path: join(SHOTS, "console-vms.png") });

          for (const [action, status] of [["stop", "Stopped"], ["start", "Running"]] as const) {
            await admin.page.click(`${row} button[data-action=${action}]`);
            assert.match(
              (await admin.page.textContent("#confirm-text"))!,
              new RegExp(`^${action} ${namespace}/web\\?$`),
            );
            await admin.page.click("#confirm-yes");
            await waitForText(admin.page, `${row} td.status`, status, 180_000);
            if (status !== "Stopped") continue;
            // A stopped VM has nothing to migrate: the subresource API's own answer is shown (its
            // VMI gone: not found; still ending: not running).
            await admin.page.click(`${row} button[data-action=migrate]`);
            await admin.page.click("#confirm-yes");
            assert.match(
              await waitForMatch(admin.page, "#error", /\S/, 30_000),
              /^(virtualmachineinstance\.kubevirt\.io "web" not found|.*VM is not running.*)$/,
            );
            await admin.page.locator("#error").evaluate((el) => el.textContent = "");
          }
          assert.deepEqual(admin.errors, []);

          const viewer = await freshPage(browser);
          assert.equal(
            await signIn(viewer.page, `${url}#/vms/${namespace}`, await viewerToken(namespace)),
            `system:serviceaccount:${namespace}:viewer`,
          );
          await waitForText(viewer.page, `${row} td.status`, "Running");
          let shown = "";
          for (let attempt = 1; attempt <= 3; attempt++) {
            await viewer.page.locator("#error").evaluate((el) => el.textContent = "");
            await viewer.page.click(`${row} button[data-action=stop]`);
            await viewer.page.click("#confirm-yes");
            shown = await waitForMatch(viewer.page, "#error", /\S/, 30_000);
            // Chromium cuts requests in flight when the host's interfaces change, as the admin's
            // start of the VM just did (see signIn()): the page says "Failed to fetch"; ask again.
            if (shown !== "Failed to fetch") break;
            console.log(`The stop request was cut (attempt ${attempt}): asking again`);
          }
          assert.match(
            shown,
            new RegExp(
              `^virtualmachines.subresources.kubevirt.io "web" is forbidden: User ` +
                `"system:serviceaccount:${namespace}:viewer" cannot update resource ` +
                `"virtualmachines/stop" in API group "subresources.kubevirt.io"`,
            ),
          );
          if (SHOTS) await viewer.page.screenshot({ path: join(SHOTS, "console-forbidden.png") });
          const vm = await stack!.admin.makeApiClient(CustomObjectsApi)
            .getNamespacedCustomObject({ ...VMS, namespace, name: "web" }) as {
              spec: { runStrategy: string };
            };
          assert.equal(vm.spec.runStrategy, "Always");
          assert.deepEqual(viewer.errors, []);
        });
      } finally {
        await stack!.admin.makeApiClient(CustomObjectsApi)
          .deleteNamespacedCustomObject({ ...VMS, namespace, name: "web" }).catch(() => {});
        await Deno.remove(disk).catch(() => {});
      }
    }),
});

/** Non-black pixels of the noVNC canvas in `#screen` (it is same-origin, so readable). */
interface PageCanvas {
  width: number;
  height: number;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

Deno.test({
  name:
    "console: a VM's page shows summary, conditions, events and YAML; its serial console answers; its screen draws",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "console", async (namespace) => {
      const { url, token } = JSON.parse(await Deno.readTextFile(consoleFile(stack!.paths)));
      // Another name than the first test's VM: domain UUIDs come from VMI names, as in KubeVirt.
      const disk = await createBootingVm(namespace, "page");
      try {
        await withBrowser(url, async (browser) => {
          const { page, errors } = await freshPage(browser);
          await signIn(page, `${url}#/vm/${namespace}/page`, token);
          await waitForText(page, '#summary dd[data-key="Status"]', "Running", 180_000);
          assert.equal(await page.textContent('#summary dd[data-key="Memory"]'), "96Mi");
          assert.equal(
            await page.textContent('#summary dd[data-key="Volumes"]'),
            "root (hostDisk)",
          );
          await waitForMatch(page, "#conditions", /ReadyTrue/);
          await waitForMatch(page, "#events", /SuccessfulCreate/);
          const yaml = await waitForMatch(page, "#yaml", /runStrategy: Always/);
          assert.match(yaml, /^apiVersion: kubevirt.io\/v1\nkind: VirtualMachine\n/);

          await page.click("#open-serial");
          await waitForText(page, "#serial-state", "connected", 30_000);
          await page.click("#terminal");
          // A TCG guest on a busy machine may still be on its way to the shell: type until it answers.
          const deadline = Date.now() + 180_000;
          let screen = "";
          while (!/dv-42/.test(screen) && Date.now() < deadline) {
            await page.keyboard.type("echo dv-$((6*7))\n");
            await page.waitForTimeout(1_000);
            screen = (await page.textContent(".xterm-rows")) ?? "";
          }
          assert.match(screen, /dv-42/);

          await page.click("#open-screen");
          await waitForText(page, "#screen-state", "connected", 30_000);
          const drawn = await page.waitForFunction(
            () => {
              const canvas = (globalThis as unknown as {
                document: { querySelector(s: string): PageCanvas | null };
              }).document.querySelector("#screen canvas");
              if (!canvas || canvas.width === 0) return 0;
              const { data } = canvas.getContext("2d").getImageData(
                0,
                0,
                canvas.width,
                canvas.height,
              );
              let lit = 0;
              for (let i = 0; i < data.length; i += 4) {
                if (data[i]! | data[i + 1]! | data[i + 2]!) lit++;
              }
              return lit;
            },
            undefined,
            { timeout: 60_000, polling: 500 },
          );
          console.log(`noVNC canvas: ${await drawn.jsonValue()} non-black pixels`);
          if (SHOTS) await page.screenshot({ path: join(SHOTS, "console-vm.png"), fullPage: true });
          assert.deepEqual(errors, []);
        });
      } finally {
        await stack!.admin.makeApiClient(CustomObjectsApi)
          .deleteNamespacedCustomObject({ ...VMS, namespace, name: "page" }).catch(() => {});
        await Deno.remove(disk).catch(() => {});
      }
    }),
});

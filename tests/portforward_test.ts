/**
 * `virtctl port-forward` (v1.7.0, the real client) through the API server's aggregation, the
 * subresource API and a node API to a port on loopback standing in for the guest's: TCP, UDP,
 * `--stdio` (what `virtctl ssh` gives the local ssh client as its ProxyCommand), RBAC on
 * `virtualmachineinstances/portforward`, and the refusals virtctl prints. The VMI lives on a fake
 * node whose node API runs in this process (no agent role, no guest); the last test reaches an
 * HTTP server in a real guest and needs the pod network.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { CustomObjectsApi, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { callApi } from "../cli/kube_command.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { virtualMachineInstances, virtualMachines } from "../lib/kube/resources.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { makeSshKeyPair } from "./support/ssh_keys.ts";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import {
  freePort,
  getThrough,
  guestHttp,
  portForward as portForwardOf,
  serviceAccountKubeconfig,
  spawnVirtctl as spawnVirtctlOf,
  sshBanner,
  touch,
} from "./support/port_forward.ts";
import { runWithKubeconfig, setVmiStatus, withConsoleFixture } from "./support/virtctl.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const stack = await testStack();
const virtctlBinary = await ensureVirtctl((line) => console.log(`[virtctl] ${line}`));

const spawnVirtctl = (args: string[], kubeconfig = stack.paths.kubeconfig) =>
  spawnVirtctlOf(virtctlBinary, args, kubeconfig);
const portForward = (namespace: string, target: string, ports: string, kubeconfig?: string) =>
  portForwardOf(virtctlBinary, kubeconfig ?? stack.paths.kubeconfig, namespace, target, ports);

/** The guest's port is on loopback here: the fake node's agent connects to 127.0.0.1. */
const onLoopback = { targetAddressOf: () => "127.0.0.1" };

/** The status the agent writes for a VMI on the pod network (the address is the node API's). */
const INTERFACES = [{ name: "default", ipAddress: "127.0.0.1", infoSource: "domain" }];

Deno.test("discovery through the API server lists virtualmachineinstances/portforward", async () => {
  const kc = loadKubeConfig({ kubeconfig: stack.paths.kubeconfig });
  for (const version of ["v1", "v1alpha3"]) {
    const list = JSON.parse(
      (await callApi(kc, "GET", `/apis/subresources.kubevirt.io/${version}`)).text,
    );
    const names = list.resources.map((r: { name: string }) => r.name);
    assert.ok(names.includes("virtualmachineinstances/portforward"), version);
  }
});

Deno.test("virtctl port-forward reaches the guest's TCP port through the API server, twice", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await setVmiStatus(stack, namespace, "web", { interfaces: INTERFACES });
    const guest = guestHttp();
    const local = freePort();
    const virtctl = await portForward(namespace, "vmi/web", `${local}:${guest.port}`);
    try {
      const started = Date.now();
      assert.equal(await getThrough(local), "hello from the guest");
      console.log(`port-forward: first HTTP request through the tunnel ${Date.now() - started} ms`);
      // Each local connection is a WebSocket of its own.
      assert.equal(await getThrough(local), "hello from the guest");
    } finally {
      await virtctl.stop();
      await guest.close();
    }
  }, onLoopback));

Deno.test("virtctl port-forward vm/NAME reaches the VM's own VMI", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await setVmiStatus(stack, namespace, "web", { interfaces: INTERFACES });
    const kube = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
    const guest = guestHttp("through the VM");
    try {
      // A Manual VM leaves its VMI as it is: it only has to own it.
      const vm = await kube.create<KubeObject>(virtualMachines, {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachine",
        metadata: { name: "web", namespace },
        spec: {
          runStrategy: "Manual",
          template: { spec: { domain: { memory: { guest: "64Mi" }, devices: {} } } },
        },
      } as KubeObject);
      await kube.patch(virtualMachineInstances, { namespace, name: "web" }, {
        metadata: {
          ownerReferences: [{
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachine",
            name: "web",
            uid: vm.metadata!.uid,
            controller: true,
          }],
        },
      }, { type: "merge" });
      await eventually("the VM controller to see its VMI", async () => {
        const seen = await kube.get<KubeObject & { status?: { created?: boolean } }>(
          virtualMachines,
          { namespace, name: "web" },
        );
        return seen.status?.created === true ? true : undefined;
      });
      const local = freePort();
      const virtctl = await portForward(namespace, "vm/web", `${local}:${guest.port}`);
      try {
        assert.equal(await getThrough(local), "through the VM");
      } finally {
        await virtctl.stop();
      }
    } finally {
      kube.close();
      await guest.close();
    }
  }, onLoopback));

Deno.test("virtctl port-forward --stdio, virtctl ssh's ProxyCommand, carries one connection", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await setVmiStatus(stack, namespace, "web", { interfaces: INTERFACES });
    const guest = guestHttp("stdio answer");
    // Exactly the ProxyCommand virtctl ssh gives ssh: kind/name/namespace port.
    const virtctl = spawnVirtctl([
      "port-forward",
      "--stdio=true",
      `vmi/web/${namespace}`,
      String(guest.port),
    ]);
    try {
      await virtctl.stdin!.write(
        new TextEncoder().encode("GET / HTTP/1.1\r\nHost: guest\r\nConnection: close\r\n\r\n"),
      );
      const answer = await eventually(
        "the answer on stdout",
        () => Promise.resolve(/stdio answer/.test(virtctl.stdout()) ? virtctl.stdout() : undefined),
      );
      assert.match(answer, /^HTTP\/1\.1 200 OK/);
      // The guest closed the connection: the tunnel closes cleanly and virtctl ends by itself.
      assert.equal((await virtctl.exited).code, 0, virtctl.output());
    } finally {
      await virtctl.stop();
      await guest.close();
    }
  }, onLoopback));

Deno.test("virtctl ssh reaches the guest's SSH port through its port-forward ProxyCommand", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await setVmiStatus(stack, namespace, "web", { interfaces: INTERFACES });
    const sshd = await sshBanner();
    try {
      const result = await runWithKubeconfig(virtctlBinary, [
        "-n",
        namespace,
        "ssh",
        "-p",
        String(sshd.port),
        "-t",
        "-o BatchMode=yes",
        "-t",
        "-o StrictHostKeyChecking=no",
        "-t",
        "-o UserKnownHostsFile=/dev/null",
        "tester@vmi/web",
      ], stack.paths.kubeconfig);
      // The local ssh client's own banner arrived at the guest's port through the tunnel.
      assert.match(await sshd.heard, /^SSH-2\.0-OpenSSH/, result.stderr);
    } finally {
      await sshd.close();
    }
  }, onLoopback));

Deno.test("virtctl port-forward udp/ relays datagrams both ways", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await setVmiStatus(stack, namespace, "web", { interfaces: INTERFACES });
    const echo = createSocket("udp4");
    echo.on("message", (msg, from) => echo.send(msg, from.port, from.address));
    await new Promise<void>((resolve) => echo.bind(0, "127.0.0.1", () => resolve()));
    const local = freePort();
    const virtctl = await portForward(namespace, "vmi/web", `udp/${local}:${echo.address().port}`);
    const client = createSocket("udp4");
    try {
      const answers: string[] = [];
      client.on("message", (msg) => answers.push(new TextDecoder().decode(msg)));
      // The first datagram opens the tunnel; send until an answer comes back.
      const answer = await eventually("an echoed datagram", () => {
        client.send(new TextEncoder().encode("ping"), local, "127.0.0.1");
        return Promise.resolve(answers[0]);
      });
      assert.equal(answer, "ping");
    } finally {
      client.close();
      echo.close();
      await virtctl.stop();
    }
  }, onLoopback));

Deno.test("virtctl port-forward needs get on virtualmachineinstances/portforward: 403 without, through with", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await setVmiStatus(stack, namespace, "web", { interfaces: INTERFACES });
    const guest = guestHttp();
    const kubeconfig = await serviceAccountKubeconfig(stack, namespace, "forwarder");
    try {
      const local = freePort();
      const refused = await portForward(namespace, "vmi/web", `${local}:${guest.port}`, kubeconfig);
      try {
        await touch(local);
        await refused.waitFor(
          /can't access vmi\/web\..*cannot get resource \\?"virtualmachineinstances\/portforward\\?" in API group \\?"subresources\.kubevirt\.io\\?"/,
          "the 403",
        );
      } finally {
        await refused.stop();
      }

      const rbac = stack.admin.makeApiClient(RbacAuthorizationV1Api);
      await rbac.createNamespacedRole({
        namespace,
        body: {
          metadata: { name: "portforward" },
          rules: [{
            apiGroups: ["subresources.kubevirt.io"],
            resources: ["virtualmachineinstances/portforward"],
            verbs: ["get"],
          }],
        },
      });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: "portforward" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "portforward" },
          subjects: [{ kind: "ServiceAccount", name: "forwarder", namespace }],
        },
      });
      const allowedPort = freePort();
      const allowed = await portForward(
        namespace,
        "vmi/web",
        `${allowedPort}:${guest.port}`,
        kubeconfig,
      );
      try {
        // RBAC caches may take a moment to see the new binding.
        assert.equal(
          await eventually("the granted tunnel", async () => {
            try {
              return await getThrough(allowedPort);
            } catch {
              return undefined;
            }
          }),
          "hello from the guest",
        );
      } finally {
        await allowed.stop();
      }
    } finally {
      await Deno.remove(kubeconfig);
      await guest.close();
    }
  }, onLoopback));

Deno.test("virtctl port-forward prints why: refused port 500, paused 409, not running 409, no interfaces 400", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    const closedPort = freePort();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        "a port nobody listens on",
        { interfaces: INTERFACES },
        new RegExp(
          `can't access vmi/web\\.${namespace}: Internal error occurred: dialing VM: dial tcp 127\\.0\\.0\\.1:${closedPort}: connect: connection refused`,
        ),
      ],
      [
        "a paused VMI",
        { conditions: [{ type: "Paused", status: "True", reason: "PausedByUser" }] },
        /Operation cannot be fulfilled on virtualmachineinstance\.kubevirt\.io \\?"web\\?": VMI is paused/,
      ],
      [
        "a VMI that is not running",
        { conditions: [], phase: "Scheduled" },
        /Operation cannot be fulfilled on virtualmachineinstance\.kubevirt\.io \\?"web\\?": VMI is not running/,
      ],
      ["a VMI without interfaces", { interfaces: [] }, /no network interfaces are present/],
    ];
    for (const [what, status, message] of cases) {
      await setVmiStatus(stack, namespace, "web", status);
      const local = freePort();
      const virtctl = await portForward(namespace, "vmi/web", `${local}:${closedPort}`);
      try {
        const started = Date.now();
        await touch(local);
        await virtctl.waitFor(message, `the refusal for ${what}`);
        console.log(`port-forward refusal for ${what}: ${Date.now() - started} ms`);
      } finally {
        await virtctl.stop();
      }
    }
  }, onLoopback));

Deno.test({
  name: "virtctl port-forward reaches a real guest's HTTP server through its vmi and its vm, " +
    "and virtctl ssh logs in with the key from cloud-init",
  ignore: !(["controllers", "agent"] as const).every((r) => ROLES_READY_FOR_THE_STACK.includes(r)),
  fn: () =>
    withNamespace(stack.admin, "portforward", async (namespace) => {
      const objects = stack.admin.makeApiClient(CustomObjectsApi);
      const dir = await Deno.makeTempDir({ prefix: "denovirt-ssh-" });
      try {
        const key = await makeSshKeyPair(dir);
        const userData = `#cloud-config\nssh_authorized_keys:\n  - ${key.publicKey}\n`;
        await objects.createNamespacedCustomObject({
          group: "kubevirt.io",
          version: "v1",
          plural: "virtualmachines",
          namespace,
          body: guestVm(namespace, userData),
        });
        await eventually("the VMI to run with an IP", async () => {
          const vmi = await objects.getNamespacedCustomObject({
            group: "kubevirt.io",
            version: "v1",
            plural: "virtualmachineinstances",
            namespace,
            name: "guest",
          }).catch(() => undefined) as
            | { status?: { phase?: string; interfaces?: { ipAddress?: string }[] } }
            | undefined;
          return vmi?.status?.phase === "Running" && vmi.status.interfaces?.[0]?.ipAddress
            ? true
            : undefined;
        }, 180_000);
        for (const target of ["vmi/guest", "vm/guest"]) {
          // A TCG guest takes a while to reach its httpd; virtctl 1.7 stops forwarding after a
          // refused tunnel, so each try gets a virtctl of its own.
          const body = await eventually(`the guest's httpd through ${target}`, async () => {
            const local = freePort();
            const virtctl = await portForward(namespace, target, `${local}:80`);
            try {
              const text = await getThrough(local);
              return text.includes("denovirt-guest") ? text : undefined;
            } catch {
              return undefined;
            } finally {
              await virtctl.stop();
            }
          }, 180_000);
          assert.equal(body.trim(), "denovirt-guest guest");
        }
        const ssh = await eventually("virtctl ssh to answer", async () => {
          const result = await runWithKubeconfig(virtctlBinary, [
            "ssh",
            "-n",
            namespace,
            `--identity-file=${key.privateKey}`,
            "--local-ssh-opts=-o StrictHostKeyChecking=no",
            "--local-ssh-opts=-o UserKnownHostsFile=/dev/null",
            "--local-ssh-opts=-o BatchMode=yes",
            "--command=echo ssh-ok from $(hostname)",
            "root@vm/guest",
          ], stack.paths.kubeconfig);
          return result.code === 0 ? result : undefined;
        }, 120_000);
        assert.equal(ssh.stdout.trim(), "ssh-ok from guest");
        const stranger = await makeSshKeyPair(dir, "stranger");
        const refused = await runWithKubeconfig(virtctlBinary, [
          "ssh",
          "-n",
          namespace,
          `--identity-file=${stranger.privateKey}`,
          "--local-ssh-opts=-o StrictHostKeyChecking=no",
          "--local-ssh-opts=-o UserKnownHostsFile=/dev/null",
          "--local-ssh-opts=-o BatchMode=yes",
          "--command=true",
          "root@vm/guest",
        ], stack.paths.kubeconfig);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /Permission denied/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }),
});

/** The guest fixture as a VM on the stack's node, on the pod network with masquerade. */
function guestVm(namespace: string, userData: string) {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name: "guest", namespace },
    spec: {
      runStrategy: "Always",
      template: {
        spec: {
          domain: {
            memory: { guest: "128Mi" },
            devices: {
              disks: [
                { name: "containerdisk", disk: { bus: "virtio" } },
                { name: "cloudinitdisk", disk: { bus: "virtio" } },
              ],
              interfaces: [{ name: "default", masquerade: {} }],
            },
          },
          networks: [{ name: "default", pod: {} }],
          terminationGracePeriodSeconds: 0,
          volumes: [
            {
              name: "containerdisk",
              containerDisk: {
                image: `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`,
              },
            },
            { name: "cloudinitdisk", cloudInitNoCloud: { userData } },
          ],
        },
      },
    },
  };
}

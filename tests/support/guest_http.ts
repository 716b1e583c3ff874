/**
 * The fixture guest as a web server on its pod network: a VM of the fixture's containerDisk on a
 * node, serving `denovirt-guest <vm>` on port 80 of its pod IP, and asking it over HTTP.
 */
import assert from "node:assert/strict";
import { FIXTURE_REPOSITORY } from "../../stack/images/fixture_images.ts";
import { containerDiskVm } from "./container_disks.ts";
import { eventually } from "./stack.ts";

/** A fixture VM on `node`'s pod network, serving HTTP on port 80; `registry` is `host:port`. */
export function webVm(name: string, node: string, registry: string, userData = "#!/bin/sh\n:\n") {
  const image = `${registry}/${FIXTURE_REPOSITORY}:latest`;
  const vm = containerDiskVm(name, node, image, { userData });
  const spec = vm.spec.template.spec as Record<string, unknown> & {
    domain: { devices: Record<string, unknown> };
  };
  spec.domain.devices.interfaces = [{ name: "default", masquerade: {}, ports: [{ port: 80 }] }];
  spec.networks = [{ name: "default", pod: {} }];
  return vm;
}

/**
 * The body of `GET /` on ip:80 over a raw connection; throws unless the answer is an HTTP 200
 * (a connection accepted and closed at once is no answer).
 */
export async function httpGet(ip: string): Promise<string> {
  const conn = await Deno.connect({ hostname: ip, port: 80 });
  await conn.write(new TextEncoder().encode(`GET / HTTP/1.0\r\nHost: ${ip}\r\n\r\n`));
  const text = await new Response(conn.readable).text();
  const status = text.slice(0, text.indexOf("\r\n"));
  if (!/^HTTP\/1\.[01] 200 /.test(status)) {
    throw new Error(`No HTTP 200 from ${ip}:80: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return text.slice(text.indexOf("\r\n\r\n") + 4).trim();
}

/** Wait until the fixture guest of VM `vm` answers HTTP at `ip` as itself. */
export async function assertGuestServes(ip: string, vm: string, node: string): Promise<void> {
  const body = await eventually(`HTTP from the guest on ${node} at ${ip}`, async () => {
    const answer = await httpGet(ip);
    if (answer === "") throw new Error(`An empty answer from ${ip}:80`);
    return answer;
  }, 90_000);
  assert.equal(body, `denovirt-guest ${vm}`);
}

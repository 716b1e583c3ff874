import assert from "node:assert/strict";
import { parseCidr } from "./cidr_overlap.ts";
import {
  CLUSTER_CIDR,
  KUBERNETES_SERVICE_IP,
  NODE_CIDR_MASK_SIZE,
  SERVICE_CLUSTER_IP_RANGE,
} from "./pod_network.ts";

Deno.test("the stack's CIDRs: node CIDRs fit the cluster CIDR, the API Service IP is the first of its range", () => {
  const cluster = parseCidr(CLUSTER_CIDR);
  assert.ok(NODE_CIDR_MASK_SIZE > cluster.prefix && NODE_CIDR_MASK_SIZE <= 30);
  const services = parseCidr(SERVICE_CLUSTER_IP_RANGE);
  assert.equal(parseCidr(`${KUBERNETES_SERVICE_IP}/32`).base, services.base + 1);
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { runChecked } from "../../lib/exec.ts";
import { QCOW2_HEADER_BYTES, qcow2HeaderProblem, qcow2InfoProblem } from "./qcow2.ts";
import { qemuImgInfo } from "./qemu_img.ts";
import { withTempDir } from "./test_fixtures.ts";

Deno.test("qcow2HeaderProblem() and qcow2InfoProblem() find backing and external data files", () =>
  withTempDir(async (dir) => {
    const f = (name: string) => join(dir, name);
    const create = (...args: string[]) =>
      runChecked("qemu-img", ["create", "-q", "-f", "qcow2", ...args]);
    await create(f("plain.qcow2"), "1M");
    await runChecked("qemu-img", ["create", "-q", "-f", "raw", f("base.raw"), "1M"]);
    await create("-b", f("base.raw"), "-F", "raw", f("backed.qcow2"));
    await create("-o", `data_file=${f("data.raw")}`, f("external.qcow2"), "1M");
    const cases = {
      "plain.qcow2": undefined,
      "backed.qcow2": /backing file/,
      "external.qcow2": /external data file/,
    };
    const signal = new AbortController().signal;
    for (const [name, expected] of Object.entries(cases)) {
      const header = (await Deno.readFile(f(name))).subarray(0, QCOW2_HEADER_BYTES);
      const info = await qemuImgInfo(f(name), "qcow2", signal);
      for (const problem of [qcow2HeaderProblem(header), qcow2InfoProblem(info)]) {
        if (expected) assert.match(problem ?? "", expected, name);
        else assert.equal(problem, undefined, name);
      }
    }
    assert.match(qcow2HeaderProblem(new Uint8Array(16)) ?? "", /truncated/);
  }));

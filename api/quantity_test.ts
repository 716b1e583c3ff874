import assert from "node:assert/strict";
import {
  formatBinaryQuantity,
  formatMilliQuantity,
  isQuantity,
  parseQuantity,
  QuantityError,
  QuantitySchema,
} from "./quantity.ts";

Deno.test("parseQuantity() reads binary suffixes as bytes", () => {
  assert.equal(parseQuantity("1Ki").value, 1024n);
  assert.equal(parseQuantity("64Mi").value, 64n * 1024n * 1024n);
  assert.equal(parseQuantity("2Gi").value, 2n * 1024n ** 3n);
  assert.equal(parseQuantity("1.5Gi").value, 1536n * 1024n * 1024n);
  assert.equal(parseQuantity("1Ei").value, 1n << 60n);
});

Deno.test("parseQuantity() reads decimal suffixes and exponents", () => {
  assert.equal(parseQuantity("1k").value, 1000n);
  assert.equal(parseQuantity("1G").value, 1_000_000_000n);
  assert.equal(parseQuantity("1E").value, 10n ** 18n);
  assert.equal(parseQuantity("1e3").value, 1000n);
  assert.equal(parseQuantity("12E+2").value, 1200n);
  assert.equal(parseQuantity("1500").value, 1500n);
});

Deno.test("parseQuantity() gives millicores for CPU quantities", () => {
  assert.deepEqual(parseQuantity("500m"), { value: 1n, milliValue: 500n });
  assert.deepEqual(parseQuantity("2"), { value: 2n, milliValue: 2000n });
  assert.deepEqual(parseQuantity("0.1"), { value: 1n, milliValue: 100n });
  assert.deepEqual(parseQuantity(".5"), { value: 1n, milliValue: 500n });
  assert.deepEqual(parseQuantity("0"), { value: 0n, milliValue: 0n });
});

Deno.test("parseQuantity() rounds fractions away from zero like Kubernetes", () => {
  assert.equal(parseQuantity("1n").value, 1n);
  assert.equal(parseQuantity("1n").milliValue, 1n);
  assert.equal(parseQuantity("1.0000001k").value, 1001n);
  assert.equal(parseQuantity("-1.5").value, -2n);
  assert.equal(parseQuantity("+3").value, 3n);
});

Deno.test("parseQuantity() accepts JSON numbers as KubeVirt does", () => {
  assert.equal(parseQuantity(1073741824).value, 1073741824n);
  assert.equal(parseQuantity(0.5).milliValue, 500n);
  assert.equal(parseQuantity(1e21).value, 10n ** 21n);
});

Deno.test("parseQuantity() refuses what is not a quantity", () => {
  for (const bad of ["", "Gi", "1GB", "1gi", "1 Gi", "1.2.3", ".", "1e", "1e3.5", "1Kii", "abc"]) {
    assert.throws(() => parseQuantity(bad), QuantityError, bad);
  }
  assert.throws(() => parseQuantity(Number.NaN), QuantityError);
  assert.throws(() => parseQuantity("1e100000"), QuantityError);
});

Deno.test("isQuantity() accepts strings and numbers only", () => {
  assert.equal(isQuantity("1Gi"), true);
  assert.equal(isQuantity(42), true);
  assert.equal(isQuantity(null), false);
  assert.equal(isQuantity({}), false);
  assert.equal(isQuantity("lots"), false);
});

Deno.test("formatBinaryQuantity() picks the largest exact binary suffix", () => {
  assert.equal(formatBinaryQuantity(1073741824n), "1Gi");
  assert.equal(formatBinaryQuantity(1536n * 1024n * 1024n), "1536Mi");
  assert.equal(formatBinaryQuantity(1500n), "1500");
  assert.equal(formatBinaryQuantity(0n), "0");
  assert.equal(parseQuantity(formatBinaryQuantity(123456789n * 1024n)).value, 123456789n * 1024n);
});

Deno.test("formatMilliQuantity() writes whole units without a suffix", () => {
  assert.equal(formatMilliQuantity(500n), "500m");
  assert.equal(formatMilliQuantity(2000n), "2");
  assert.equal(formatMilliQuantity(0n), "0");
});

Deno.test("QuantitySchema refuses a malformed quantity with a readable message", () => {
  assert.equal(QuantitySchema.safeParse("1Gi").success, true);
  assert.equal(QuantitySchema.safeParse(512).success, true);
  const result = QuantitySchema.safeParse("1GB");
  assert.equal(result.success, false);
  assert.match(result.error!.issues[0]!.message, /Kubernetes quantity/);
});

// Kubernetes resource quantities ("1Gi", "500m", "1e3", 1073741824).
//
// Grammar (k8s.io/apimachinery/pkg/api/resource):
//   <quantity> ::= <sign>? <number> <suffix>
//   <number>   ::= <digits> | <digits>.<digits>? | .<digits>
//   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei | n | u | m | "" | k | M | G | T | P | E
//                | (e | E) <sign>? <digits>
// KubeVirt, like Kubernetes, accepts a quantity as a string or as a JSON number.
import { z } from "zod";

const QUANTITY_RE = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The pattern the CRD schema puts on quantity strings (the one Kubernetes publishes). */
export const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

const BINARY_SHIFT: Record<string, bigint> = {
  Ki: 10n,
  Mi: 20n,
  Gi: 30n,
  Ti: 40n,
  Pi: 50n,
  Ei: 60n,
};
const DECIMAL_EXPONENT: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
// Far beyond any real quantity, small enough that bigint powers stay cheap.
const MAX_EXPONENT = 60;

export class QuantityError extends Error {
  override name = "QuantityError";
}

/** A parsed quantity, rounded away from zero like Kubernetes' Value() and MilliValue(). */
export interface ParsedQuantity {
  /** Whole units: bytes for memory and storage, cores for CPU. */
  value: bigint;
  /** Thousandths of a unit: millicores for CPU. */
  milliValue: bigint;
}

/** Parses a Kubernetes quantity; throws a QuantityError when it is not one. */
export function parseQuantity(quantity: string | number): ParsedQuantity {
  const text = typeof quantity === "number" ? numberText(quantity) : quantity;
  const match = QUANTITY_RE.exec(text);
  if (!match) {
    throw new QuantityError(`Invalid quantity ${JSON.stringify(quantity)}`);
  }
  const [, sign = "", number = "", suffix = ""] = match;
  const [whole = "", fraction = ""] = number.split(".");
  const mantissa = BigInt(whole + fraction || "0");
  let numerator = mantissa;
  let denominator = 10n ** BigInt(fraction.length);
  const shift = BINARY_SHIFT[suffix];
  if (shift !== undefined) {
    numerator <<= shift;
  } else {
    const exponent = suffix in DECIMAL_EXPONENT
      ? DECIMAL_EXPONENT[suffix]!
      : Number.parseInt(suffix.slice(1), 10);
    if (Math.abs(exponent) > MAX_EXPONENT) {
      throw new QuantityError(`Invalid quantity ${JSON.stringify(quantity)}: exponent too large`);
    }
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  const negative = sign === "-" && mantissa !== 0n;
  const apply = (n: bigint) => (negative ? -n : n);
  return {
    value: apply(ceilDiv(numerator, denominator)),
    milliValue: apply(ceilDiv(numerator * 1000n, denominator)),
  };
}

/** Whether `quantity` is a valid Kubernetes quantity (a string or a finite number). */
export function isQuantity(quantity: unknown): quantity is string | number {
  if (typeof quantity !== "string" && typeof quantity !== "number") return false;
  try {
    parseQuantity(quantity);
    return true;
  } catch {
    return false;
  }
}

/** Bytes as the largest exact binary quantity: 1073741824n -> "1Gi", 1500n -> "1500". */
export function formatBinaryQuantity(bytes: bigint): string {
  const suffixes = ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"] as const;
  if (bytes !== 0n) {
    for (const suffix of suffixes) {
      const unit = 1n << BINARY_SHIFT[suffix]!;
      if (bytes % unit === 0n) return `${bytes / unit}${suffix}`;
    }
  }
  return `${bytes}`;
}

/** Thousandths as a decimal quantity: 500n -> "500m", 2000n -> "2". */
export function formatMilliQuantity(millis: bigint): string {
  return millis % 1000n === 0n ? `${millis / 1000n}` : `${millis}m`;
}

const quantityValue = z.custom<string | number>(isQuantity, {
  error: "must be a Kubernetes quantity such as 1Gi, 512Mi or 500m",
});

/** A quantity field: a string such as "1Gi" or an integer, as KubeVirt accepts. */
export const QuantitySchema = quantityValue.meta({ "x-kubernetes-int-or-string": true });

/** Whether a zod schema is the quantity schema or a copy of it (`.describe()` makes copies). */
export function isQuantitySchema(schema: z.core.$ZodType): boolean {
  const def = schema._zod.def as { type: string; fn?: unknown };
  return def.type === "custom" && def.fn === quantityValue._zod.def.fn;
}

export type Quantity = z.infer<typeof QuantitySchema>;

/** core/v1 ResourceList: resource name -> quantity. */
export const ResourceListSchema = z.record(z.string(), QuantitySchema);
export type ResourceList = z.infer<typeof ResourceListSchema>;

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(`Invalid quantity ${n}`);
  // Integers print exactly; other numbers use JavaScript's shortest round-trip form.
  return Number.isInteger(n) ? BigInt(n).toString() : String(n);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

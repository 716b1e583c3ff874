/**
 * libvirt's `virTypedParameter` arrays (libvirt-common.h) through FFI: built in a buffer for
 * calls that take parameters (virDomainMigrateToURI3), read from libvirt's for calls that return
 * them (virDomainGetJobStats). On LP64 an entry is 96 bytes: the name (80), the type (int), 4
 * bytes of padding, then the 8-byte value union.
 */
import { readCString, toCString } from "./ffi.ts";

const FIELD_LENGTH = 80;
const ENTRY_SIZE = 96;
const TYPE_OFFSET = 80;
const VALUE_OFFSET = 88;

/** virTypedParameterType. */
export const TYPED_PARAM = {
  int: 1,
  uint: 2,
  llong: 3,
  ullong: 4,
  double: 5,
  boolean: 6,
  string: 7,
} as const;

/** One parameter to pass: strings may repeat a name (e.g. `migrate_disks`). */
export type TypedParam =
  | { name: string; type: "string"; value: string }
  | { name: string; type: "ullong"; value: bigint | number };

/** A parameter array for a call; keep it referenced until the call returned. */
export interface TypedParamBuffer {
  buffer: Uint8Array<ArrayBuffer>;
  count: number;
  /** The C strings the entries point to: alive as long as the buffer. */
  strings: Uint8Array<ArrayBuffer>[];
}

/** Lays `params` out as a virTypedParameter array. */
export function typedParams(params: TypedParam[]): TypedParamBuffer {
  const buffer = new Uint8Array(ENTRY_SIZE * Math.max(params.length, 1));
  const view = new DataView(buffer.buffer);
  const strings: Uint8Array<ArrayBuffer>[] = [];
  params.forEach((param, i) => {
    const at = i * ENTRY_SIZE;
    const name = new TextEncoder().encode(param.name);
    if (name.length >= FIELD_LENGTH) throw new Error(`Parameter name too long: ${param.name}`);
    buffer.set(name, at);
    if (param.type === "string") {
      const value = toCString(param.value);
      strings.push(value);
      view.setInt32(at + TYPE_OFFSET, TYPED_PARAM.string, true);
      const pointer = Deno.UnsafePointer.value(Deno.UnsafePointer.of(value));
      view.setBigUint64(at + VALUE_OFFSET, BigInt(pointer), true);
    } else {
      view.setInt32(at + TYPE_OFFSET, TYPED_PARAM.ullong, true);
      view.setBigUint64(at + VALUE_OFFSET, BigInt(param.value), true);
    }
  });
  return { buffer, count: params.length, strings };
}

/** Reads a libvirt-owned array of `count` parameters: numbers and strings by name. */
export function readTypedParams(
  pointer: Deno.PointerObject,
  count: number,
): Record<string, number | string | boolean> {
  const view = new Deno.UnsafePointerView(pointer);
  const out: Record<string, number | string | boolean> = {};
  for (let i = 0; i < count; i++) {
    const at = i * ENTRY_SIZE;
    const name = view.getCString(at);
    const type = view.getInt32(at + TYPE_OFFSET);
    const v = at + VALUE_OFFSET;
    switch (type) {
      case TYPED_PARAM.int:
        out[name] = view.getInt32(v);
        break;
      case TYPED_PARAM.uint:
        out[name] = view.getUint32(v);
        break;
      case TYPED_PARAM.llong:
        out[name] = Number(view.getBigInt64(v));
        break;
      case TYPED_PARAM.ullong:
        out[name] = Number(view.getBigUint64(v));
        break;
      case TYPED_PARAM.double:
        out[name] = view.getFloat64(v);
        break;
      case TYPED_PARAM.boolean:
        out[name] = view.getInt8(v) !== 0;
        break;
      case TYPED_PARAM.string:
        out[name] = readCString(view.getPointer(v)) ?? "";
        break;
    }
  }
  return out;
}

/**
 * The libvirt C API through Deno FFI: only the symbols denovirt uses, loaded on first use.
 *
 * Every call that may talk to libvirtd or wait is `nonblocking` (it runs on Deno's blocking
 * thread pool), so the JS event loop never stalls on libvirt. The few synchronous calls only
 * touch client-side memory. Calls that take a lock libvirt may hold while it runs one of our
 * JS callbacks (close-callback registration, virConnectIsAlive) are nonblocking as well: a
 * synchronous one could deadlock against a callback waiting for the JS thread.
 */

const LIBVIRT_SYMBOLS = {
  virInitialize: { parameters: [], result: "i32" },
  virEventRegisterDefaultImpl: { parameters: [], result: "i32" },
  virEventRunDefaultImpl: { parameters: [], result: "i32", nonblocking: true },
  virEventAddTimeout: { parameters: ["i32", "function", "pointer", "pointer"], result: "i32" },
  virEventRemoveTimeout: { parameters: ["i32"], result: "i32" },

  virSetErrorFunc: { parameters: ["pointer", "function"], result: "void" },
  virConnSetErrorFunc: { parameters: ["pointer", "pointer", "function"], result: "void" },
  virConnCopyLastError: { parameters: ["pointer", "buffer"], result: "i32" },
  virConnResetLastError: { parameters: ["pointer"], result: "void" },
  virResetError: { parameters: ["buffer"], result: "void" },

  virConnectOpen: { parameters: ["buffer"], result: "pointer", nonblocking: true },
  virConnectClose: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virConnectIsAlive: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virConnectSetKeepAlive: {
    parameters: ["pointer", "i32", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virConnectRegisterCloseCallback: {
    parameters: ["pointer", "function", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  virConnectUnregisterCloseCallback: {
    parameters: ["pointer", "function"],
    result: "i32",
    nonblocking: true,
  },
  virConnectListAllDomains: {
    parameters: ["pointer", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virConnectDomainEventRegisterAny: {
    parameters: ["pointer", "pointer", "i32", "function", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  virConnectDomainEventDeregisterAny: {
    parameters: ["pointer", "i32"],
    result: "i32",
    nonblocking: true,
  },

  virDomainLookupByName: {
    parameters: ["pointer", "buffer"],
    result: "pointer",
    nonblocking: true,
  },
  virDomainLookupByUUIDString: {
    parameters: ["pointer", "buffer"],
    result: "pointer",
    nonblocking: true,
  },
  virDomainDefineXML: { parameters: ["pointer", "buffer"], result: "pointer", nonblocking: true },
  virDomainCreateXML: {
    parameters: ["pointer", "buffer", "u32"],
    result: "pointer",
    nonblocking: true,
  },
  virDomainUndefineFlags: { parameters: ["pointer", "u32"], result: "i32", nonblocking: true },
  virDomainCreate: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virDomainDestroy: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virDomainShutdownFlags: { parameters: ["pointer", "u32"], result: "i32", nonblocking: true },
  virDomainReboot: { parameters: ["pointer", "u32"], result: "i32", nonblocking: true },
  virDomainSuspend: { parameters: ["pointer"], result: "i32", nonblocking: true },
  // Volume hotplug: a <disk> attached to or detached from the running domain.
  virDomainAttachDeviceFlags: {
    parameters: ["pointer", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virDomainDetachDeviceFlags: {
    parameters: ["pointer", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virDomainResume: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virDomainGetState: {
    parameters: ["pointer", "buffer", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virDomainGetInfo: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  virDomainGetXMLDesc: { parameters: ["pointer", "u32"], result: "pointer", nonblocking: true },
  virDomainGetMetadata: {
    parameters: ["pointer", "i32", "buffer", "u32"],
    result: "pointer",
    nonblocking: true,
  },
  virDomainSetMetadata: {
    parameters: ["pointer", "i32", "buffer", "buffer", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  // Live migration (agent/libvirt/migration.ts).
  virDomainMigrateToURI3: {
    parameters: ["pointer", "buffer", "buffer", "u32", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virDomainAbortJob: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virDomainGetJobStats: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virTypedParamsFree: { parameters: ["pointer", "i32"], result: "void" },
  // How long libvirt waits for the guest agent: by default it blocks until the agent answers.
  virDomainAgentSetResponseTimeout: {
    parameters: ["pointer", "i32", "u32"],
    result: "i32",
    nonblocking: true,
  },
  // The guest agent's reports (libvirt asks the agent; fails while none is connected).
  virDomainGetGuestInfo: {
    parameters: ["pointer", "u32", "buffer", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  // Metrics (agent/libvirt/domain_stats.ts): every domain's counters in one call.
  virConnectGetAllDomainStats: {
    parameters: ["pointer", "u32", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  virDomainStatsRecordListFree: { parameters: ["pointer"], result: "void" },
  // Screenshots (agent/libvirt/domain_screenshot.ts): the image comes over a blocking stream.
  virStreamNew: { parameters: ["pointer", "u32"], result: "pointer", nonblocking: true },
  virDomainScreenshot: {
    parameters: ["pointer", "pointer", "u32", "u32"],
    result: "pointer",
    nonblocking: true,
  },
  virStreamRecv: { parameters: ["pointer", "buffer", "usize"], result: "i32", nonblocking: true },
  virStreamFinish: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virStreamAbort: { parameters: ["pointer"], result: "i32", nonblocking: true },
  virStreamFree: { parameters: ["pointer"], result: "i32", nonblocking: true },
  // Client-side only: they read or release the handle's own memory.
  virDomainFree: { parameters: ["pointer"], result: "i32" },
  virDomainGetName: { parameters: ["pointer"], result: "pointer" },
  virDomainGetUUIDString: { parameters: ["pointer", "buffer"], result: "i32" },
} as const;

const LIBC_SYMBOLS = {
  free: { parameters: ["pointer"], result: "void" },
  dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
  dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
} as const;

export type LibvirtSymbols = Deno.DynamicLibrary<typeof LIBVIRT_SYMBOLS>["symbols"];

/** libvirt's own fields of a virError (virterror.h). */
export interface VirErrorFields {
  code: number;
  domain: number;
  message: string;
}

/** sizeof(virError) on LP64: two ints, then pointers and ints padded to 8 bytes. */
export const VIR_ERROR_SIZE = 80;

interface Loaded {
  libvirt: LibvirtSymbols;
  libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];
  silentHandler: Deno.PointerObject;
}

let loaded: Loaded | undefined;
let globalErrorSeq = 0;
let globalError: VirErrorFields | undefined;

/** The libvirt symbols; the first call loads libvirt.so.0 and prepares the process for it. */
export function libvirt(): LibvirtSymbols {
  return load().libvirt;
}

function load(): Loaded {
  if (loaded) return loaded;
  const lib = Deno.dlopen("libvirt.so.0", LIBVIRT_SYMBOLS).symbols;
  const libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS).symbols;
  if (lib.virInitialize() < 0) throw new Error("Cannot initialize libvirt: virInitialize failed");
  // Must precede every virConnectOpen, or connections get no keepalive and no events.
  if (lib.virEventRegisterDefaultImpl() < 0) {
    throw new Error("Cannot initialize libvirt: virEventRegisterDefaultImpl failed");
  }
  // virResetError(NULL) returns at once, so as an error handler (called with userData NULL
  // first) it is a C no-op: it silences libvirt's default printing to stderr for each error
  // without a round trip to the JS thread.
  const self = libc.dlopen(toCString("libvirt.so.0"), 2 /* RTLD_NOW */ | 4 /* RTLD_NOLOAD */);
  const silentHandler = self && libc.dlsym(self, toCString("virResetError"));
  if (!silentHandler) throw new Error("Cannot initialize libvirt: virResetError not found");
  // Errors raised without a connection (a failed virConnectOpen) reach the global handler on
  // the failing thread, while its thread-local error is still set; copy them there.
  const onGlobalError = Deno.UnsafeCallback.threadSafe(
    { parameters: ["pointer", "pointer"], result: "void" } as const,
    (_userData, error) => {
      if (!error) return;
      globalError = readVirError(error);
      globalErrorSeq++;
    },
  );
  onGlobalError.unref();
  lib.virSetErrorFunc(null, onGlobalError.pointer);
  loaded = { libvirt: lib, libc, silentHandler };
  return loaded;
}

/** A C error handler that does nothing, for virConnSetErrorFunc. */
export function silentErrorHandler(): Deno.PointerObject {
  return load().silentHandler;
}

/** The count of errors raised without a connection so far, and the latest one. */
export function globalErrors(): { seq: number; latest: VirErrorFields | undefined } {
  return { seq: globalErrorSeq, latest: globalError };
}

/** A NUL-terminated UTF-8 copy of `s` for a `const char *` parameter. */
export function toCString(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s + "\0");
}

/** Reads a `const char *` that the callee keeps owning. */
export function readCString(ptr: Deno.PointerValue): string | undefined {
  return ptr ? Deno.UnsafePointerView.getCString(ptr) : undefined;
}

/** Reads a `char *` that the caller must free, then frees it. */
export function takeCString(ptr: Deno.PointerValue): string | undefined {
  if (!ptr) return undefined;
  try {
    return Deno.UnsafePointerView.getCString(ptr);
  } finally {
    load().libc.free(ptr);
  }
}

/** Frees memory that libvirt allocated for the caller (arrays of handles). */
export function freeC(ptr: Deno.PointerValue): void {
  if (ptr) load().libc.free(ptr);
}

/** Reads code, domain and message from a `virErrorPtr`. */
export function readVirError(ptr: Deno.PointerObject): VirErrorFields {
  const view = new Deno.UnsafePointerView(ptr);
  return {
    code: view.getInt32(0),
    domain: view.getInt32(4),
    message: readCString(view.getPointer(8)) ?? "",
  };
}

/** The error libvirt recorded on `conn` by the last failed call, or undefined if none. */
export function connectionError(conn: Deno.PointerObject): VirErrorFields | undefined {
  const lib = libvirt();
  const buf = new Uint8Array(VIR_ERROR_SIZE);
  const code = lib.virConnCopyLastError(conn, buf);
  if (code <= 0) return undefined;
  try {
    return readVirError(Deno.UnsafePointer.of(buf)!);
  } finally {
    lib.virResetError(buf);
  }
}

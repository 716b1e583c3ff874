/** `fn`, run at most once; later calls get the first call's promise (teardowns on signals). */
export function once(fn: () => Promise<void>): (() => Promise<void>) & { called: boolean } {
  let running: Promise<void> | undefined;
  const wrapped = Object.assign(() => {
    wrapped.called = true;
    return (running ??= fn());
  }, { called: false });
  return wrapped;
}

/** Debian's chromium as the suite and the console bench launch it. Data only. */

/** Debian's chromium binary. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags without which chromium reaches for the network at start-up. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

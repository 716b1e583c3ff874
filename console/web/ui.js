// Small page helpers: elements, the error banner, the confirmation dialog, ages.

/** An element with attributes and children (strings become text, never HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) el.append(child);
  }
  return el;
}

/** Shows an error's message as it came (the API's message verbatim); none clears the banner. */
export function showError(error) {
  const banner = document.getElementById("error");
  banner.textContent = error ? error.message ?? String(error) : "";
  banner.hidden = !error;
}

/** Asks before an action; resolves true when the user confirms. */
export function confirmed(text) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true })
  );
}

/** Age as kubectl prints it: 5s, 3m, 2h, 4d. */
export function age(timestamp, now = Date.now()) {
  if (!timestamp) return "";
  const s = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

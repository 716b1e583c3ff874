// Calls to the API server through the console's proxy, with the signed-in user's token.
const KEY = "denovirt.token";

export const token = () => sessionStorage.getItem(KEY) ?? "";
export const setToken = (value) =>
  value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY);

/** An API error: `message` is the API server's (or the subresource API's) message, verbatim. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const headers = (extra = {}) => ({
  authorization: `Bearer ${token()}`,
  accept: "application/json",
  ...extra,
});

async function failure(response) {
  const text = await response.text();
  try {
    const status = JSON.parse(text);
    if (status.message) return new ApiError(response.status, status.message);
  } catch {
    // Not a Status: show the body as it came.
  }
  return new ApiError(response.status, text || `${response.status} ${response.statusText}`);
}

/** One call; the parsed JSON answer (or text), or an ApiError. */
export async function api(path, { method = "GET", body, type = "application/json" } = {}) {
  const response = await fetch(`/console/api${path}`, {
    method,
    headers: headers(body === undefined ? {} : { "content-type": type }),
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return response.headers.get("content-type")?.includes("json") && text ? JSON.parse(text) : text;
}

const keyOf = (o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/**
 * Lists `path` and watches from the list's version, calling `onChange(map)` after the list and
 * each event; relists when the watch ends or fails, until `signal` aborts.
 */
export async function listWatch(path, onChange, signal, onError = () => {}) {
  while (!signal.aborted) {
    try {
      const list = await api(path);
      const items = new Map(list.items.map((o) => [keyOf(o), o]));
      onChange(items);
      const sep = path.includes("?") ? "&" : "?";
      const response = await fetch(
        `/console/api${path}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=240` +
          `&resourceVersion=${list.metadata.resourceVersion}`,
        { headers: headers(), signal },
      );
      if (!response.ok) throw await failure(response);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let end;
        while ((end = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, end).trim();
          buffered = buffered.slice(end + 1);
          if (!line) continue;
          const event = JSON.parse(line);
          if (event.type === "ERROR") throw new ApiError(event.object.code, event.object.message);
          if (event.type === "BOOKMARK") continue;
          if (event.type === "DELETED") items.delete(keyOf(event.object));
          else items.set(keyOf(event.object), event.object);
          onChange(items);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      onError(error);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/** A bearer token as the WebSocket subprotocol kube-apiserver authenticates. */
export function tokenProtocol() {
  const b64 = btoa(token()).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return `base64url.bearer.authorization.k8s.io.${b64}`;
}

/** Where a Reflector's lists and watches come from: the API server, or a fake in tests. */
import type { KubeObject, WatchEvent } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import { apiVersionOf, type Resource } from "./kube/resources.ts";

/** A full list and the resourceVersion to watch from. */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** The two calls a Reflector makes; injected so that its logic is testable without a server. */
export interface ListWatchSource<T> {
  list(signal: AbortSignal): Promise<ListResult<T>>;
  watch(opts: {
    resourceVersion: string;
    timeoutSeconds: number;
    signal: AbortSignal;
  }): AsyncIterable<WatchEvent<T>>;
}

/** Which objects of a resource to watch. */
export interface Selection {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** List page size; pages keep memory spikes small on big clusters. Default 500. */
  pageSize?: number;
}

/** A ListWatchSource reading `resource` through the REST client, with bookmarks. */
export function restListWatch<T extends KubeObject>(
  rest: RestClient,
  resource: Resource,
  selection: Selection = {},
): ListWatchSource<T> {
  const { pageSize = 500, ...filter } = selection;
  const typeMeta = { apiVersion: apiVersionOf(resource), kind: resource.kind };
  return {
    async list(signal) {
      const items: T[] = [];
      let token: string | undefined;
      let resourceVersion = "";
      do {
        const page = await rest.list<T>(resource, {
          ...filter,
          limit: pageSize,
          ...(token ? { continue: token } : {}),
          signal,
        });
        // List items of built-in kinds come without apiVersion and kind; events need them.
        for (const item of page.items) items.push({ ...typeMeta, ...item });
        resourceVersion = page.metadata.resourceVersion ?? "";
        token = page.metadata.continue;
      } while (token);
      return { items, resourceVersion };
    },
    watch({ resourceVersion, timeoutSeconds, signal }) {
      return rest.watch<T>(resource, {
        ...filter,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal,
      });
    },
  };
}

/** Which cached images go when the cache is over its size: least recently used first, none in use. */

/** What eviction knows of a cached image. */
export interface CachedImage {
  /** The cache entry's name. */
  name: string;
  bytes: number;
  lastUsedAt: number;
  /** VMIs of this node whose overlay sits on it. */
  users: number;
}

/** The entries to remove so that the cache holds at most `limitBytes` (as far as it can). */
export function evictionOf(images: readonly CachedImage[], limitBytes: number): string[] {
  let total = images.reduce((sum, image) => sum + image.bytes, 0);
  const evict: string[] = [];
  const candidates = images.filter((image) => image.users === 0)
    .sort((a, b) => a.lastUsedAt - b.lastUsedAt || a.name.localeCompare(b.name));
  for (const image of candidates) {
    if (total <= limitBytes) break;
    evict.push(image.name);
    total -= image.bytes;
  }
  return evict;
}

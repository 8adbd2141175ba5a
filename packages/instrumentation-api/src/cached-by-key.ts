/**
 * `classify` behind a bounded cache: attribute keys, query keys and routes are few in practice, but
 * some come from clients, so the cache is cleared when it fills instead of growing. A hit costs one
 * map lookup and allocates nothing.
 */
export function cachedByKey<T>(classify: (key: string) => T, limit: number): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = classify(key);
      if (cache.size >= limit) cache.clear();
      cache.set(key, hit);
    }
    return hit;
  };
}

/**
 * Loaded models kept in memory, at most `capacity`, least recently used evicted first. Concurrent
 * requests for a model not yet loaded share one load. Keys are `name@version`: versions are
 * immutable, so an entry never goes stale; an alias move simply resolves to another key.
 */
export class ModelCache<T> {
  private readonly entries = new Map<string, T>();
  private readonly loading = new Map<string, Promise<T>>();
  hits = 0;
  misses = 0;

  /** `onEvict` is told of each entry pushed out (e.g. to release an ONNX session once idle). */
  constructor(
    readonly capacity: number,
    private readonly onEvict?: (key: string, value: T) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The most recently used key: it needs no move (the hot path of a service with one model). */
  private newest: string | undefined;

  /** The cached value, or undefined (counts as a use for LRU). */
  peek(key: string): T | undefined {
    const v = this.entries.get(key);
    if (v !== undefined && key !== this.newest) {
      this.entries.delete(key);
      this.entries.set(key, v);
      this.newest = key;
    }
    return v;
  }

  async get(key: string, load: () => T | Promise<T>): Promise<T> {
    const hit = this.peek(key);
    if (hit !== undefined) {
      this.hits++;
      return hit;
    }
    let p = this.loading.get(key);
    if (!p) {
      this.misses++;
      p = Promise.resolve()
        .then(load)
        .then((v) => {
          this.entries.set(key, v);
          this.newest = key;
          while (this.entries.size > this.capacity) {
            const oldest = this.entries.keys().next().value as string;
            const evicted = this.entries.get(oldest) as T;
            this.entries.delete(oldest);
            this.onEvict?.(oldest, evicted);
          }
          return v;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  delete(key: string): void {
    this.entries.delete(key);
    if (key === this.newest) this.newest = undefined;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  values(): T[] {
    return [...this.entries.values()];
  }
}

// A bounded LRU of decoded sstable blocks, shared by the readers that are given the same
// instance (the engine injects one per node or table) or private to one reader otherwise.
// Keys name the file and the block offset, so readers of different sstables never collide.

import { assert } from '../../common/assert.js';

export const blockCacheBytesDefault = 64 * 1024 * 1024;

export interface CacheEntry {
  value: unknown;
  bytes: number;
}

export class BlockCache {
  private readonly entries = new Map<string, CacheEntry>();
  private usedBytes = 0;
  readonly bytesMax: number;
  hits = 0;
  misses = 0;

  constructor(options: { bytesMax?: number } = {}) {
    this.bytesMax = options.bytesMax ?? blockCacheBytesDefault;
    assert(this.bytesMax >= 0, 'negative block cache size');
  }

  get sizeBytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Caches a value costing about `bytes`; values larger than the whole cache are not kept. */
  set(key: string, entry: CacheEntry): void {
    const { bytes } = entry;
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      this.entries.delete(key);
      this.usedBytes -= existing.bytes;
    }
    if (bytes > this.bytesMax) return;
    this.entries.set(key, { value: entry.value, bytes });
    this.usedBytes += bytes;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.usedBytes <= this.bytesMax) break;
      this.entries.delete(oldestKey);
      this.usedBytes -= oldest.bytes;
    }
  }

  /** Drops every entry whose key starts with `prefix` (a closed or deleted sstable's blocks). */
  invalidatePrefix(prefix: string): void {
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      this.entries.delete(key);
      this.usedBytes -= entry.bytes;
    }
  }
}

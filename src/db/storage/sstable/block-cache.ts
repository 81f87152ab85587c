// Bounded caches shared by the sstable readers of a node: the block cache (Cassandra's chunk
// cache, `file_cache_size_in_mb`: verified data and partition index blocks) and the key cache
// (`key_cache_size_in_mb`: partition index entries of recently read keys). One budget in bytes
// per cache; each reader owns a segment of it, a Map keyed by a number (block offset) or a
// token, so a hit is one Map lookup with no key built per read (string keys naming file and
// offset cost more than the rest of a cached read). Eviction is CLOCK (second chance): a hit
// only sets a bit, and the sweep gives referenced entries one more round, which approximates
// LRU without reordering anything on the read path.

import { assert } from '../../common/assert.js';

export const blockCacheBytesDefault = 64 * 1024 * 1024;
export const keyCacheBytesDefault = 32 * 1024 * 1024;

interface Slot {
  owner: Map<unknown, Slot>;
  key: unknown;
  value: unknown;
  bytes: number;
  referenced: boolean;
}

/** A byte-bounded cache shared by segments (one per sstable reader). */
export class BlockCache {
  /** Slots in insertion order from `head` on; the CLOCK sweep starts at the oldest. */
  private queue: Slot[] = [];
  private head = 0;
  private usedBytes = 0;
  private count = 0;
  readonly bytesMax: number;
  hits = 0;
  misses = 0;

  constructor(options: { bytesMax?: number } = {}) {
    this.bytesMax = options.bytesMax ?? blockCacheBytesDefault;
    assert(this.bytesMax >= 0, 'negative cache size');
  }

  get sizeBytes(): number {
    return this.usedBytes;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** A new segment: one reader's entries, dropped together by its clear(). */
  segment<K>(): CacheSegment<K> {
    return new CacheSegment<K>(this);
  }

  /** @internal a segment's hit or miss. */
  lookup(owner: Map<unknown, Slot>, key: unknown): unknown {
    const slot = owner.get(key);
    if (slot === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    slot.referenced = true;
    return slot.value;
  }

  /** @internal caches a value costing about `bytes` in a segment; values larger than the whole cache are not kept. */
  insert(owner: Map<unknown, Slot>, entry: { key: unknown; value: unknown; bytes: number }): void {
    this.remove(owner, entry.key);
    if (entry.bytes > this.bytesMax) return;
    const slot: Slot = { owner, key: entry.key, value: entry.value, bytes: entry.bytes, referenced: false };
    owner.set(entry.key, slot);
    this.queue.push(slot);
    this.usedBytes += entry.bytes;
    this.count++;
    this.evict();
  }

  /** @internal */
  remove(owner: Map<unknown, Slot>, key: unknown): void {
    const slot = owner.get(key);
    if (slot === undefined) return;
    owner.delete(key);
    this.forget(slot);
  }

  /** @internal drops every entry of a segment (a closed or deleted sstable). */
  clear(owner: Map<unknown, Slot>): void {
    for (const slot of owner.values()) this.forget(slot);
    owner.clear();
    this.compactQueue();
  }

  /** Accounts a slot gone from its owner; its queue place is skipped when the sweep reaches it. */
  private forget(slot: Slot): void {
    this.usedBytes -= slot.bytes;
    this.count--;
    slot.bytes = 0;
    slot.value = undefined;
  }

  private evict(): void {
    // Each referenced slot is passed over once, so the sweep ends within two rounds.
    while (this.usedBytes > this.bytesMax && this.head < this.queue.length) {
      const slot = this.queue[this.head++] as Slot;
      if (slot.owner.get(slot.key) !== slot) continue; // removed earlier
      if (slot.referenced) {
        slot.referenced = false;
        this.queue.push(slot);
        continue;
      }
      slot.owner.delete(slot.key);
      this.forget(slot);
    }
    this.compactQueue();
  }

  /** Drops swept and removed places once they outnumber the live entries (amortized O(1) per insert). */
  private compactQueue(): void {
    if (this.queue.length <= 2 * this.count + 1024) return;
    this.queue = this.queue.slice(this.head).filter((slot) => slot.owner.get(slot.key) === slot);
    this.head = 0;
  }
}

/** One reader's part of a shared cache. */
export class CacheSegment<K> {
  private readonly slots = new Map<unknown, Slot>();

  constructor(private readonly cache: BlockCache) {}

  get(key: K): unknown {
    return this.cache.lookup(this.slots, key);
  }

  set(key: K, entry: { value: unknown; bytes: number }): void {
    this.cache.insert(this.slots, { key, value: entry.value, bytes: entry.bytes });
  }

  delete(key: K): void {
    this.cache.remove(this.slots, key);
  }

  clear(): void {
    this.cache.clear(this.slots);
  }
}

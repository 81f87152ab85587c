// Bounded caches shared by the sstable readers of a node: the block cache (Cassandra's chunk
// cache, `file_cache_size_in_mb`: verified data and partition index blocks) and the key cache
// (`key_cache_size_in_mb`: partition index entries of recently read keys). One budget in bytes
// per cache; each reader owns a segment of it, a Map keyed by a number (block offset) or a
// token, so a hit is one Map lookup with no key built per read (string keys naming file and
// offset cost more than the rest of a cached read). Eviction is CLOCK (second chance): a hit
// only sets a bit, and the hand gives referenced entries one more round, which approximates
// LRU without reordering anything on the read path. Every operation is O(1) (amortized): no
// step ever walks the whole cache.

import { assert } from '../../common/assert.js';

export const blockCacheBytesDefault = 64 * 1024 * 1024;
export const keyCacheBytesDefault = 32 * 1024 * 1024;

/** Referenced slots the hand may pass in one insert before it evicts regardless (see evict). */
const sweepPassesMax = 64;

interface Slot {
  owner: Map<unknown, Slot>;
  key: unknown;
  value: unknown;
  bytes: number;
  referenced: boolean;
}

/** A byte-bounded cache shared by segments (one per sstable reader). */
export class BlockCache {
  /**
   * The CLOCK ring: live slots in insertion order. A Set, so that removing a slot is O(1) and
   * leaves no dead place behind (an array queue had to be compacted now and then: one O(n)
   * pass of ~100 ms over a full key cache, a stall on the event loop).
   */
  private readonly ring = new Set<Slot>();
  /** The clock hand: a live iterator over the ring (it sees slots added after it, skips removed ones). */
  private hand: IterableIterator<Slot> = this.ring.values();
  private usedBytes = 0;
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
    return this.ring.size;
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
    this.ring.add(slot);
    this.usedBytes += entry.bytes;
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
  }

  /** Takes a slot out of the ring and the byte count (its owner has already dropped it). */
  private forget(slot: Slot): void {
    this.ring.delete(slot);
    this.usedBytes -= slot.bytes;
    slot.bytes = 0;
    slot.value = undefined;
  }

  /** The slot under the hand, moving it on; the hand wraps to the oldest slot at the end. */
  private advance(): Slot | undefined {
    let next = this.hand.next();
    if (next.done === true) {
      this.hand = this.ring.values();
      next = this.hand.next();
    }
    return next.done === true ? undefined : next.value;
  }

  private evict(): void {
    // The hand clears a referenced slot's bit and passes it. When most slots were read since
    // the last turn, one insert could pass over nearly the whole ring (tens of milliseconds on
    // a full key cache); past sweepPassesMax passes it evicts the slot under the hand whatever
    // its bit, so every insert does bounded work.
    let passes = 0;
    while (this.usedBytes > this.bytesMax) {
      const slot = this.advance();
      if (slot === undefined) return;
      if (slot.referenced && passes < sweepPassesMax) {
        slot.referenced = false;
        passes++;
        continue;
      }
      slot.owner.delete(slot.key);
      this.forget(slot);
    }
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

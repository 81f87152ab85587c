// Bounded caches shared by the sstable readers of a node: the block cache (Cassandra's chunk
// cache, `file_cache_size_in_mb`: verified data and partition index blocks) and the key cache
// (`key_cache_size_in_mb`: partition index entries of recently read keys). One budget in bytes
// per cache; each reader owns a segment of it, a Map keyed by a number (block offset) or a
// token, so a hit is one Map lookup with no key built per read (string keys naming file and
// offset cost more than the rest of a cached read). Eviction is CLOCK (second chance): a hit
// only sets a bit, and the hand gives referenced entries one more round, which approximates
// LRU without reordering anything on the read path. Every operation is O(1): no
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
  /** Neighbours on the CLOCK ring (a circular doubly linked list); null once removed. */
  previous: Slot | null;
  next: Slot | null;
}

/** A byte-bounded cache shared by segments (one per sstable reader). */
export class BlockCache {
  /**
   * The CLOCK hand: the next slot it looks at, on a circular doubly linked list of the live
   * slots (null when empty). New slots go in just behind the hand, so they are the last it
   * reaches. Insert and remove are O(1) and leave nothing behind: an array queue had to be
   * compacted now and then (one O(n) pass of 40-65 ms on a full key cache), and a Set
   * rehashes itself as a whole.
   */
  private hand: Slot | null = null;
  private count = 0;
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
    return this.count;
  }

  /** A new segment: one reader's entries, dropped together by its clear(). */
  segment<K>(): CacheSegment<K> {
    return new CacheSegment<K>(this);
  }

  /** @internal a segment's hit or miss (a miss counts only when `countMiss`: a peek that falls back to get() counts once). */
  lookup(owner: Map<unknown, Slot>, key: unknown, countMiss = true): unknown {
    const slot = owner.get(key);
    if (slot === undefined) {
      if (countMiss) this.misses++;
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
    const slot: Slot = { owner, key: entry.key, value: entry.value, bytes: entry.bytes, referenced: false, previous: null, next: null };
    owner.set(entry.key, slot);
    this.link(slot);
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

  /** Puts a slot on the ring just behind the hand. */
  private link(slot: Slot): void {
    const hand = this.hand;
    if (hand === null) {
      slot.previous = slot;
      slot.next = slot;
      this.hand = slot;
    } else {
      const last = hand.previous as Slot;
      slot.previous = last;
      slot.next = hand;
      last.next = slot;
      hand.previous = slot;
    }
    this.count++;
  }

  /** Takes a slot off the ring and out of the byte count (its owner has already dropped it). */
  private forget(slot: Slot): void {
    const previous = slot.previous;
    const next = slot.next;
    assert(previous !== null && next !== null, 'cache slot removed twice');
    if (next === slot) {
      this.hand = null;
    } else {
      previous.next = next;
      next.previous = previous;
      if (this.hand === slot) this.hand = next;
    }
    slot.previous = null;
    slot.next = null;
    this.count--;
    this.usedBytes -= slot.bytes;
    slot.bytes = 0;
    slot.value = undefined;
  }

  /** The slot under the hand, moving the hand on. */
  private advance(): Slot | undefined {
    const slot = this.hand;
    if (slot === null) return undefined;
    this.hand = slot.next;
    return slot;
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

  /** As get(), but a miss is not counted: the caller falls back to get() on the slow path. */
  peek(key: K): unknown {
    return this.cache.lookup(this.slots, key, false);
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCache } from './block-cache.js';

describe('block cache', () => {
  it('evicts entries not used since the last sweep past its byte bound (CLOCK)', () => {
    const cache = new BlockCache({ bytesMax: 100 });
    const a = cache.segment<number>();
    const b = cache.segment<number>();
    a.set(0, { value: 'A', bytes: 40 });
    a.set(1, { value: 'B', bytes: 40 });
    assert.equal(a.get(0), 'A');
    b.set(0, { value: 'C', bytes: 40 });
    assert.equal(a.get(1), undefined);
    assert.equal(a.get(0), 'A');
    assert.equal(cache.sizeBytes, 80);
    b.set(1, { value: 'H', bytes: 101 });
    assert.equal(b.get(1), undefined);
    a.clear();
    assert.equal(cache.size, 1);
    assert.equal(cache.sizeBytes, 40);
    assert.equal(b.get(0), 'C');
    assert.equal(a.get(0), undefined);
  });

  it('replacing and deleting keep the byte count exact; the queue stays bounded', () => {
    const cache = new BlockCache({ bytesMax: 1000 });
    const segment = cache.segment<number>();
    segment.set(1, { value: 'x', bytes: 10 });
    segment.set(1, { value: 'y', bytes: 30 });
    assert.equal(cache.sizeBytes, 30);
    assert.equal(segment.get(1), 'y');
    segment.delete(1);
    assert.equal(cache.sizeBytes, 0);
    // Many readers come and go (compaction): their cleared entries must not pile up.
    for (let round = 0; round < 10_000; round++) {
      const reader = cache.segment<number>();
      reader.set(round, { value: round, bytes: 1 });
      reader.clear();
    }
    assert.equal(cache.size, 0);
    assert.ok((cache as unknown as { queue: unknown[] }).queue.length <= 1024 + 1);
    // A full cache keeps the entries that are read and evicts the others.
    const hot = cache.segment<number>();
    for (let key = 0; key < 100; key++) hot.set(key, { value: key, bytes: 10 });
    for (let key = 100; key < 200; key++) {
      for (let read = 0; read < 10; read++) hot.get(read);
      hot.set(key, { value: key, bytes: 10 });
    }
    assert.ok(cache.sizeBytes <= 1000);
    for (let read = 0; read < 10; read++) assert.equal(hot.get(read), read);
  });
});

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
    assert.equal(cache.sizeBytes, 0);
    assert.equal((cache as unknown as { hand: unknown }).hand, null);
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

  it('a slot read between two sweeps survives the next one, and the hand wraps around the ring', () => {
    const cache = new BlockCache({ bytesMax: 30 });
    const segment = cache.segment<number>();
    for (let key = 0; key < 3; key++) segment.set(key, { value: key, bytes: 10 });
    let coldSurvivors = 0;
    for (let key = 3; key < 300; key++) {
      assert.equal(segment.get(0), 0, `hot entry evicted before ${key}`); // read before every insert: never evicted
      segment.set(key, { value: key, bytes: 10 });
      assert.ok(cache.sizeBytes <= 30, `over budget at ${key}`);
      assert.equal(cache.size, 3);
      if (key > 10 && segment.get(key - 5) !== undefined) coldSurvivors++;
    }
    assert.equal(coldSurvivors, 0, 'entries never read are the ones evicted');
  });

  it('removal is exact under churn: the byte count and the entries agree with a model', () => {
    const cache = new BlockCache({ bytesMax: 5_000 });
    const segments = [cache.segment<number>(), cache.segment<number>(), cache.segment<number>()];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let step = 0; step < 20_000; step++) {
      const segment = segments[Math.floor(random() * segments.length)];
      assert.ok(segment !== undefined);
      const key = Math.floor(random() * 200);
      const action = random();
      if (action < 0.6) segment.set(key, { value: key, bytes: 1 + Math.floor(random() * 100) });
      else if (action < 0.9) segment.get(key);
      else if (action < 0.99) segment.delete(key);
      else segment.clear();
      assert.ok(cache.sizeBytes >= 0 && cache.sizeBytes <= 5_000);
    }
    let held = 0;
    for (const segment of segments) for (let key = 0; key < 200; key++) if (segment.get(key) !== undefined) held++;
    assert.equal(held, cache.size);
  });
});

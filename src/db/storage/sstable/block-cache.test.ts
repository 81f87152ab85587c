import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCache } from './block-cache.js';

describe('block cache', () => {
  it('evicts the least recently used entries past its byte bound', () => {
    const cache = new BlockCache({ bytesMax: 100 });
    cache.set('a@0', { value: 'A', bytes: 40 });
    cache.set('a@1', { value: 'B', bytes: 40 });
    assert.equal(cache.get('a@0'), 'A');
    cache.set('b@0', { value: 'C', bytes: 40 });
    assert.equal(cache.get('a@1'), undefined);
    assert.equal(cache.get('a@0'), 'A');
    assert.equal(cache.sizeBytes, 80);
    cache.set('huge', { value: 'H', bytes: 101 });
    assert.equal(cache.get('huge'), undefined);
    cache.invalidatePrefix('a@');
    assert.equal(cache.size, 1);
    assert.equal(cache.sizeBytes, 40);
    assert.equal(cache.get('b@0'), 'C');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from './statement-cache.js';

test('the LRU cache evicts the least recently used entry, counting hits once it is over half full', () => {
  const cache = new LruCache<number>(4);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  assert.equal(cache.get('a'), 1, 'a hit when over half full moves a to the back');
  cache.set('d', 4);
  cache.set('e', 5);
  assert.equal(cache.get('b'), undefined, 'b, the least recently used, went first');
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  cache.set('f', 6);
  assert.equal(cache.get('d'), undefined, 'then d: a and c were used since');
  assert.deepEqual(['a', 'c', 'e', 'f'].map((key) => cache.get(key)), [1, 3, 5, 6]);
});

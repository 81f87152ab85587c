import test from 'node:test';
import assert from 'node:assert/strict';
import { pairedViewReplicas } from './view-delivery.js';

test('the i-th base replica pairs with the i-th view replica; a non-replica sends to every view replica', () => {
  const base = ['a', 'b', 'c'];
  const view = ['c', 'a', 'b'];
  assert.deepEqual(pairedViewReplicas(base, view, 'a'), ['c']);
  assert.deepEqual(pairedViewReplicas(base, view, 'b'), ['a']);
  assert.deepEqual(pairedViewReplicas(base, view, 'c'), ['b']);
  // Every view replica is paired with exactly one base replica.
  assert.deepEqual(base.flatMap((endpoint) => pairedViewReplicas(base, view, endpoint)).sort(), ['a', 'b', 'c']);
  assert.deepEqual(pairedViewReplicas(base, view, 'd'), ['c', 'a', 'b']);
  assert.deepEqual(pairedViewReplicas(['a', 'b'], ['b'], 'b'), ['b']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicationOptions } from '../../schema/metadata.js';
import { TokenMetadata } from '../ring/token-metadata.js';
import { chooseSource, rangeMovements, ringWithJoined, ringWithout } from './range-movements.js';

const simple = (factor: number): ReplicationOptions => ({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: String(factor) });

// Sorted ring: 0 A, 100 B, 200 C (each owns the range ending at its token).
function abc(): TokenMetadata {
  const ring = new TokenMetadata();
  ring.updateNormalTokens('A', [0n]);
  ring.updateNormalTokens('B', [100n]);
  ring.updateNormalTokens('C', [200n]);
  return ring;
}

const describe = (movements: ReturnType<typeof rangeMovements>) =>
  movements.map((movement) => `(${movement.range.left},${movement.range.right}] ${movement.before.join('')}->${movement.after.join('')} +${movement.gainers.join('')}`);

test('a join at 50 moves (0, 50] to the joining node: it gains exactly the ranges it will own', () => {
  const ring = abc();
  const future = ringWithJoined(ring, 'D', [50n]);
  assert.deepEqual(describe(rangeMovements(ring, future, simple(1))), ['(0,50] B->D +D']);
  // With two replicas D also takes the second copy of (200, 0], which B no longer holds.
  assert.deepEqual(describe(rangeMovements(ring, future, simple(2))), ['(200,0] AB->AD +D', '(0,50] BC->DB +D', '(50,100] BC->BC +'].filter((line) => !line.endsWith('+')));
  assert.equal(ring.endpoints().length, 3, 'the current ring is left as it was');
});

test('a decommission sends each of the leaving node\'s ranges to the node that takes it over', () => {
  const ring = abc();
  const future = ringWithout(ring, 'B');
  assert.deepEqual(describe(rangeMovements(ring, future, simple(1))), ['(0,100] B->C +C']);
  assert.deepEqual(describe(rangeMovements(ring, future, simple(2))), ['(200,0] AB->AC +C', '(0,100] BC->CA +A']);
  // With as many replicas as nodes nothing is left to gain: every survivor already holds all.
  assert.deepEqual(describe(rangeMovements(ring, ringWithout(abc(), 'B'), simple(3))).filter((line) => !line.endsWith('+')), []);
});

test('pending replicas and movements agree: whoever a movement adds is a pending replica while the change runs', () => {
  const ring = abc();
  ring.addBootstrapTokens('D', [150n]);
  const future = ringWithJoined(ring, 'D', [150n]);
  for (const movement of rangeMovements(ring, future, simple(2))) {
    assert.deepEqual(ring.pendingReplicasFor(simple(2), movement.range.right), movement.gainers);
  }
});

test('the source of a range is a live replica that loses it, else any live replica, never the gainer', () => {
  const ring = abc();
  const [movement] = rangeMovements(ring, ringWithJoined(ring, 'D', [50n]), simple(2)).filter((m) => m.range.right === 50n);
  assert.ok(movement !== undefined);
  assert.equal(chooseSource(movement, { gainer: 'D', isAlive: () => true }), 'C', 'C loses (0, 50]');
  assert.equal(chooseSource(movement, { gainer: 'D', isAlive: (endpoint) => endpoint !== 'C' }), 'B');
  assert.equal(chooseSource(movement, { gainer: 'D', isAlive: () => false }), undefined);
  assert.equal(chooseSource(movement, { gainer: 'D', isAlive: () => true, exclude: 'C' }), 'B');
});

test('an empty future ring moves nothing', () => {
  const ring = new TokenMetadata();
  ring.updateNormalTokens('A', [0n]);
  assert.deepEqual(rangeMovements(ring, ringWithout(ring, 'A'), simple(1)), []);
});

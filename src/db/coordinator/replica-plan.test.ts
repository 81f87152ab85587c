import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { AssertionError } from '../common/assert.js';
import { CqlError } from '../common/errors.js';
import { MIN_TOKEN } from '../dht/token.js';
import { splitByRing } from './range-split.js';
import { assureSufficientLive, readContacts, replicaGroups, satisfies } from './replica-plan.js';

const nts = { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '3' };
const context = { replication: nts, localDataCenter: 'dc1', dataCenterOf: (e: string) => (e.startsWith('a') ? 'dc1' : 'dc2') };

test('levels count replicas per datacenter', () => {
  assert.ok(satisfies(replicaGroups(ConsistencyLevel.LOCAL_QUORUM, context), ['a1', 'a2']));
  assert.ok(!satisfies(replicaGroups(ConsistencyLevel.LOCAL_QUORUM, context), ['a1', 'b1', 'b2']));
  assert.ok(!satisfies(replicaGroups(ConsistencyLevel.EACH_QUORUM, context), ['a1', 'a2', 'a3', 'b1']));
  assert.ok(satisfies(replicaGroups(ConsistencyLevel.EACH_QUORUM, context), ['a1', 'a2', 'b1', 'b2']));
  assert.ok(satisfies(replicaGroups(ConsistencyLevel.QUORUM, context), ['a1', 'a2', 'b1', 'b2']));
  assert.ok(!satisfies(replicaGroups(ConsistencyLevel.QUORUM, context), ['a1', 'a2', 'b1']));
  assert.deepEqual(readContacts(replicaGroups(ConsistencyLevel.LOCAL_QUORUM, context), ['b1', 'a1', 'b2', 'a2', 'a3']), ['a1', 'a2']);
  // A pending replica raises what a write needs.
  assert.ok(!satisfies(replicaGroups(ConsistencyLevel.LOCAL_ONE, context, ['a9']), ['a1']));
});

test('Unavailable reports the unmet group', () => {
  assert.throws(() => assureSufficientLive(ConsistencyLevel.EACH_QUORUM, replicaGroups(ConsistencyLevel.EACH_QUORUM, context), ['a1', 'a2', 'b1'], { write: true }), (error: unknown) => {
    assert.ok(error instanceof CqlError);
    assert.deepEqual(error.details, { kind: 'unavailable', consistency: ConsistencyLevel.EACH_QUORUM, required: 2, alive: 1 });
    return true;
  });
  assert.doesNotThrow(() => assureSufficientLive(ConsistencyLevel.ANY, replicaGroups(ConsistencyLevel.ANY, context), [], { write: true }));
});

test('a range read is cut along the ring in token order', () => {
  const ranges = [{ range: { left: 100n, right: -50n }, replicas: ['x'] }, { range: { left: -50n, right: 100n }, replicas: ['y'] }];
  const slices = splitByRing({ token: MIN_TOKEN }, { token: MIN_TOKEN }, ranges);
  assert.deepEqual(slices.map((s) => [s.start.token, s.end.token, s.replicas[0]]), [[MIN_TOKEN, -49n, 'x'], [-49n, 101n, 'y'], [101n, MIN_TOKEN, 'x']]);
  const narrowed = splitByRing({ token: 0n }, { token: 50n }, ranges);
  assert.deepEqual(narrowed.map((s) => [s.start.token, s.end.token, s.replicas[0]]), [[0n, 50n, 'y']]);
});

test('a replica listed twice is a bug, not a second acknowledgement', () => {
  // Counted twice, a1 alone would meet LOCAL_QUORUM (2 of 3).
  const groups = replicaGroups(ConsistencyLevel.LOCAL_QUORUM, context);
  assert.throws(() => assureSufficientLive(ConsistencyLevel.LOCAL_QUORUM, groups, ['a1', 'a1'], { write: true }), AssertionError);
  assert.throws(() => readContacts(groups, ['a1', 'a1', 'b1']), AssertionError);
});

test('block-for with pending replicas (Cassandra\'s blockForWithPending): QUORUM of RF 3 with a joining node needs 3 of the 4', () => {
  const simple = { replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' }, localDataCenter: 'datacenter1', dataCenterOf: () => 'datacenter1' };
  const groups = replicaGroups(ConsistencyLevel.QUORUM, simple, ['d']);
  assert.equal(groups[0]?.required, 3);
  assert.ok(!satisfies(groups, ['a', 'b']), 'two natural acknowledgements no longer do');
  assert.ok(satisfies(groups, ['a', 'b', 'd']));
  assert.ok(satisfies(groups, ['a', 'b', 'c']), 'the natural replicas alone still meet it');
  // Two natural replicas and the pending one alive: enough to send; one natural down too: Unavailable.
  assert.doesNotThrow(() => assureSufficientLive(ConsistencyLevel.QUORUM, groups, ['a', 'b', 'd'], { write: true }));
  assert.throws(() => assureSufficientLive(ConsistencyLevel.QUORUM, groups, ['a', 'd'], { write: true }), (error: unknown) =>
    error instanceof CqlError && JSON.stringify(error.details) === JSON.stringify({ kind: 'unavailable', consistency: ConsistencyLevel.QUORUM, required: 3, alive: 2 }));
  assert.equal(replicaGroups(ConsistencyLevel.ONE, simple, ['d', 'e'])[0]?.required, 3, 'ONE with two pending replicas');
});

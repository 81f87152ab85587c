import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedNumber, databaseOptionsFrom } from './options.js';

test('database options: defaults for one dev node, everything configurable', () => {
  const defaults = databaseOptionsFrom({});
  assert.deepEqual(defaults.contactPoints, ['127.0.0.1:9042']);
  assert.equal(defaults.replication.replicationFactor, 1);
  assert.equal(defaults.strongConsistency, 'QUORUM');
  assert.equal(defaults.weakConsistency, 'ONE');
  assert.equal(defaults.tls, undefined);
  const cluster = databaseOptionsFrom({
    contactPoints: '127.0.0.1:9042, 127.0.0.2:9042', localDc: 'dc1', replicationFactor: '3', replicationStrategy: 'NetworkTopologyStrategy',
    strongConsistency: 'local_quorum', weakConsistency: 'local_one', username: 'app', tlsCa: '/ca.pem',
  }, { AERO_PASSWORD: 'secret' });
  assert.deepEqual(cluster.contactPoints, ['127.0.0.1:9042', '127.0.0.2:9042']);
  assert.deepEqual(cluster.replication, { strategy: 'NetworkTopologyStrategy', replicationFactor: 3, dataCenter: 'dc1' });
  assert.equal(cluster.strongConsistency, 'LOCAL_QUORUM');
  assert.equal(cluster.weakConsistency, 'LOCAL_ONE');
  assert.equal(cluster.password, 'secret');
  assert.deepEqual(cluster.tls, { rejectUnauthorized: true, caFile: '/ca.pem' });
  assert.throws(() => databaseOptionsFrom({ strongConsistency: 'SOMETIMES' }), /unknown consistency level/);
  assert.throws(() => databaseOptionsFrom({ replicationStrategy: 'Random' }), /replication strategy/);
  assert.throws(() => databaseOptionsFrom({ replicationFactor: 'three' }), /integer/);
});

test('bounded numbers name the option in their message', () => {
  assert.equal(boundedNumber(undefined, { name: '--x', fallback: 4, min: 1, max: 9 }), 4);
  assert.equal(boundedNumber('7', { name: '--x', fallback: 4, min: 1, max: 9 }), 7);
  assert.throws(() => boundedNumber('70', { name: '--x', fallback: 4, min: 1, max: 9 }), /--x must be a number from 1 to 9/);
  assert.throws(() => boundedNumber('abc', { name: '--x', fallback: 4, min: 1, max: 9 }), /--x/);
});

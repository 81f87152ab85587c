import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import { parseKeyspaceProperties, parseReplication, replicationFactors } from './replication.js';

function errorCode(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof CqlError);
    return error.code;
  }
  return -1;
}

test('replication: short and qualified class names, factors as strings', () => {
  assert.deepEqual(parseReplication({ class: 'SimpleStrategy', replication_factor: '2' }, { keyspace: 'k' }),
    { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '2' });
  assert.deepEqual(parseReplication({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '03' }, { keyspace: 'k' }),
    { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' });
  assert.equal(errorCode(() => parseReplication({ class: 'SimpleStrategy', replication_factor: '1', foo: '1' }, { keyspace: 'k' })), ErrorCode.ConfigError);
  assert.equal(errorCode(() => parseReplication({ replication_factor: '1' }, { keyspace: 'k' })), ErrorCode.ConfigError);
  assert.equal(errorCode(() => parseReplication({ class: 'LocalStrategy' }, { keyspace: 'k' })), ErrorCode.ConfigError);
  assert.equal(errorCode(() => parseReplication({ class: 'SimpleStrategy', replication_factor: '-1' }, { keyspace: 'k' })), ErrorCode.ConfigError);
  assert.deepEqual([...replicationFactors({ class: 'x', dc1: '3', dc2: '1' })], [['dc1', 3], ['dc2', 1]]);
});

test('keyspace properties', () => {
  assert.deepEqual(parseKeyspaceProperties({ replication: { class: 'SimpleStrategy', replication_factor: '1' }, durable_writes: 'false' }, { create: true }),
    { replication: { class: 'SimpleStrategy', replication_factor: '1' }, durableWrites: false });
  assert.equal(errorCode(() => parseKeyspaceProperties({ durable_writes: 'true' }, { create: true })), ErrorCode.ConfigError);
  assert.deepEqual(parseKeyspaceProperties({ durable_writes: 'TRUE' }, { create: false }), { durableWrites: true });
  assert.equal(errorCode(() => parseKeyspaceProperties({ foo: 'x' }, { create: false })), ErrorCode.SyntaxError);
  assert.equal(errorCode(() => parseKeyspaceProperties({ durable_writes: 'maybe' }, { create: false })), ErrorCode.SyntaxError);
});

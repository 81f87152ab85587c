import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyspaceCql, createTablesCql, queries } from './schema.js';

test('keyspace replication is configuration', () => {
  assert.equal(createKeyspaceCql('flights', { strategy: 'SimpleStrategy', replicationFactor: 1 }),
    "CREATE KEYSPACE IF NOT EXISTS flights WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  assert.equal(createKeyspaceCql('flights', { strategy: 'NetworkTopologyStrategy', replicationFactor: 3, dataCenter: 'dc1' }),
    "CREATE KEYSPACE IF NOT EXISTS flights WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  assert.throws(() => createKeyspaceCql('Flights; DROP', { strategy: 'SimpleStrategy', replicationFactor: 1 }));
  assert.throws(() => createKeyspaceCql('flights', { strategy: 'SimpleStrategy', replicationFactor: 0 }));
});

test('every table is created idempotently and every query names the keyspace', () => {
  const tables = createTablesCql('fx');
  assert.equal(tables.length, 11);
  for (const statement of tables) assert.match(statement, /^CREATE TABLE IF NOT EXISTS fx\./);
  assert.match(tables.find((s) => s.includes('flight_tracking')) ?? '', /CLUSTERING ORDER BY \(recorded_at DESC\)/);
  for (const query of Object.values(queries('fx'))) assert.match(query, / fx\./);
  // The map's positions: partitioned by time bucket and shard, one row per flight.
  assert.match(tables.find((s) => s.includes('flight_positions')) ?? '', /PRIMARY KEY \(\(bucket, shard\), flight_number, date\)/);
});

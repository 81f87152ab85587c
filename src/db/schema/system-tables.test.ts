import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Random } from '../common/world.js';
import { native } from '../protocol/data-type.js';
import { encodeValue } from '../protocol/type-codecs.js';
import { Schema } from './schema.js';
import {
  CQL_VERSION, NATIVE_PROTOCOL_VERSION, PARTITIONER, RELEASE_VERSION, virtualTables, type SystemContext, type SystemRow,
} from './system-tables.js';

const random: Random = { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n) => Buffer.alloc(n, 7) };

function context(): SystemContext {
  const schema = new Schema({ random });
  schema.createKeyspace('ks', { class: 'SimpleStrategy', replication_factor: '1' }, { durableWrites: true });
  schema.createType('ks', 'address', { fields: [{ name: 'street', type: native('text') }, { name: 'zip', type: native('int') }] });
  schema.createTable({
    keyspace: 'ks', name: 'flights',
    columns: [{ name: 'origin', type: native('text') }, { name: 'departure', type: native('timestamp') }, { name: 'gate', type: native('text') }],
    partitionKey: ['origin'], clustering: [{ name: 'departure', order: 'desc' }],
  });
  schema.alterTable('ks', 'flights', { change: { kind: 'dropColumns', columns: ['gate'], droppedAtMicros: 1_700_000_000_000_000 } });
  return {
    schema,
    local: {
      clusterName: 'Test Cluster', listenAddress: '127.0.0.1', listenPort: 7000, broadcastAddress: '127.0.0.1', broadcastPort: 7000,
      rpcAddress: '127.0.0.1', rpcPort: 9042, dataCenter: 'datacenter1', rack: 'rack1', tokens: ['10', '-5'],
      hostId: '8a1e4f4e-7f6c-4c1d-9a55-8c6b7c9f0a11', releaseVersion: RELEASE_VERSION, cqlVersion: CQL_VERSION,
      nativeProtocolVersion: NATIVE_PROTOCOL_VERSION, partitioner: PARTITIONER, bootstrapped: 'COMPLETED', gossipGeneration: 1700000000,
    },
    peers: [{
      peer: '127.0.0.2', peerPort: 7000, dataCenter: 'datacenter1', rack: 'rack1', hostId: '0b1e4f4e-7f6c-4c1d-9a55-8c6b7c9f0a12',
      nativeAddress: '127.0.0.2', nativePort: 9042, preferredIp: null, preferredPort: null, releaseVersion: RELEASE_VERSION,
      schemaVersion: schema.schemaVersion(), tokens: ['42'],
    }],
  };
}

function rowsOf(name: string, systemContext: SystemContext): SystemRow[] {
  const table = virtualTables().get(name);
  assert.ok(table !== undefined, name);
  return table.rows(systemContext);
}

test('every generated value encodes with its column type, and every column is known', () => {
  const systemContext = context();
  for (const [name, table] of virtualTables()) {
    for (const row of table.rows(systemContext)) {
      for (const [column, value] of row) {
        const metadata = table.metadata.columns.get(column);
        assert.ok(metadata !== undefined, `${name}: unknown column ${column}`);
        if (value !== null) encodeValue(metadata.type, value);
      }
      for (const key of [...table.metadata.partitionKey, ...table.metadata.clustering]) {
        assert.ok(row.get(key.name) !== null && row.get(key.name) !== undefined, `${name}: key column ${key.name} set`);
      }
    }
  }
});

test('system.local and peers', () => {
  const systemContext = context();
  const [local] = rowsOf('system.local', systemContext);
  assert.equal(local?.get('key'), 'local');
  assert.equal(local?.get('schema_version'), systemContext.schema.schemaVersion());
  assert.deepEqual(local?.get('tokens'), ['-5', '10']);
  assert.equal(local?.get('partitioner'), 'org.apache.cassandra.dht.Murmur3Partitioner');
  assert.equal(rowsOf('system.peers', systemContext)[0]?.get('rpc_address'), '127.0.0.2');
  assert.equal(rowsOf('system.peers_v2', systemContext)[0]?.get('native_port'), 9042);
});

test('system_schema describes user and system keyspaces', () => {
  const systemContext = context();
  const keyspaces = rowsOf('system_schema.keyspaces', systemContext).map((row) => row.get('keyspace_name'));
  assert.deepEqual(keyspaces, ['ks', 'system', 'system_auth', 'system_distributed', 'system_schema', 'system_traces']);
  const system = rowsOf('system_schema.keyspaces', systemContext).find((row) => row.get('keyspace_name') === 'system');
  assert.deepEqual(system?.get('replication'), [['class', 'org.apache.cassandra.locator.LocalStrategy']]);
  const flights = rowsOf('system_schema.tables', systemContext).find((row) => row.get('table_name') === 'flights');
  assert.deepEqual(flights?.get('flags'), ['compound']);
  assert.deepEqual(flights?.get('caching'), [['keys', 'ALL'], ['rows_per_partition', 'NONE']]);
  assert.equal(flights?.get('id'), systemContext.schema.getTable('ks', 'flights').id);
  const columns = rowsOf('system_schema.columns', systemContext).filter((row) => row.get('table_name') === 'flights');
  assert.deepEqual(columns.map((row) => [row.get('column_name'), row.get('kind'), row.get('position'), row.get('clustering_order'), row.get('type')]), [
    ['origin', 'partition_key', 0, 'none', 'text'], ['departure', 'clustering', 0, 'desc', 'timestamp'],
  ]);
  const dropped = rowsOf('system_schema.dropped_columns', systemContext);
  assert.deepEqual(dropped.map((row) => [row.get('column_name'), row.get('dropped_time'), row.get('type')]), [['gate', 1_700_000_000_000n, 'text']]);
  const types = rowsOf('system_schema.types', systemContext);
  assert.deepEqual(types.map((row) => [row.get('type_name'), row.get('field_names'), row.get('field_types')]), [['address', ['street', 'zip'], ['text', 'int']]]);
  const localColumns = rowsOf('system_schema.columns', systemContext).filter((row) => row.get('keyspace_name') === 'system' && row.get('table_name') === 'local');
  assert.equal(localColumns.length, 20);
  assert.equal(rowsOf('system_schema.functions', systemContext).length, 0);
});

test('system_virtual_schema lists the virtual schema keyspace and system_views', () => {
  const systemContext = context();
  assert.deepEqual(rowsOf('system_virtual_schema.keyspaces', systemContext).map((row) => row.get('keyspace_name')).sort(), ['system_views', 'system_virtual_schema']);
  const tables = rowsOf('system_virtual_schema.tables', systemContext);
  assert.deepEqual(tables.filter((row) => row.get('keyspace_name') === 'system_virtual_schema').map((row) => row.get('table_name')), ['keyspaces', 'tables', 'columns']);
  assert.equal(tables.filter((row) => row.get('keyspace_name') === 'system_views').length, 17);
  assert.ok(rowsOf('system_virtual_schema.columns', systemContext).length > 5);
});

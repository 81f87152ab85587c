import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import { CorruptionError, CqlError, ErrorCode } from '../common/errors.js';
import type { Random } from '../common/world.js';
import { native, type DataType } from '../protocol/data-type.js';
import type { SchemaChange } from '../protocol/messages.js';
import { Schema, type CreateTableInput } from './schema.js';

function seededRandom(seed: number): Random {
  let state = seed;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  return {
    nextFloat: next,
    nextInt: (max) => Math.floor(next() * max),
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    if (error instanceof CqlError) return error.code;
    throw error;
  }
  assert.fail('expected a CqlError');
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error.message;
  }
  assert.fail('expected an error');
}

const simple = { class: 'SimpleStrategy', replication_factor: '3' };

function flights(overrides: Partial<CreateTableInput> = {}): CreateTableInput {
  return {
    keyspace: 'ks', name: 'flights',
    columns: [
      { name: 'origin', type: native('text') }, { name: 'day', type: native('date') }, { name: 'departure', type: native('timestamp') },
      { name: 'number', type: native('text') }, { name: 'gate', type: native('text') }, { name: 'note', type: native('text'), isStatic: true },
    ],
    partitionKey: ['origin', 'day'],
    clustering: [{ name: 'departure', order: 'desc' }, { name: 'number' }],
    ...overrides,
  };
}

function schemaWithKeyspace(): Schema {
  const schema = new Schema({ random: seededRandom(1) });
  schema.createKeyspace('ks', simple, { durableWrites: true });
  return schema;
}

test('keyspaces: create, events, replication normalisation and errors', () => {
  const schema = new Schema({ random: seededRandom(1) });
  const events: SchemaChange[] = [];
  schema.onChange((change) => events.push(change));
  assert.deepEqual(schema.createKeyspace('ks', simple, { durableWrites: true }), { change: 'CREATED', target: 'KEYSPACE', keyspace: 'ks' });
  assert.deepEqual(schema.getKeyspace('ks').replication, { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' });
  assert.equal(code(() => schema.createKeyspace('ks', simple, { durableWrites: true })), ErrorCode.AlreadyExists);
  assert.equal(schema.createKeyspace('ks', simple, { durableWrites: true, ifNotExists: true }), null);
  assert.equal(code(() => schema.createKeyspace('bad-name', simple, { durableWrites: true })), ErrorCode.Invalid);
  assert.equal(code(() => schema.createKeyspace('x'.repeat(49), simple, { durableWrites: true })), ErrorCode.Invalid);
  assert.equal(message(() => schema.createKeyspace('k2', { class: 'SimpleStrategy' }, { durableWrites: true })), 'SimpleStrategy requires a replication_factor strategy option.');
  assert.equal(code(() => schema.createKeyspace('k2', { class: 'Nope' }, { durableWrites: true })), ErrorCode.ConfigError);
  assert.equal(code(() => schema.createKeyspace('k2', { class: 'SimpleStrategy', replication_factor: 'x' }, { durableWrites: true })), ErrorCode.ConfigError);
  schema.createKeyspace('k3', { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '2' }, { durableWrites: false });
  assert.deepEqual(schema.getKeyspace('k3').replication, { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '2' });
  assert.equal(schema.alterKeyspace('k3', { durableWrites: true })?.change, 'UPDATED');
  assert.equal(schema.getKeyspace('k3').durableWrites, true);
  assert.equal(schema.dropKeyspace('k3')?.change, 'DROPPED');
  assert.equal(schema.dropKeyspace('k3', { ifExists: true }), null);
  assert.equal(message(() => schema.dropKeyspace('k3')), "Keyspace 'k3' doesn't exist");
  assert.equal(message(() => schema.getKeyspace('k3')), "Keyspace 'k3' does not exist");
  assert.equal(code(() => schema.dropKeyspace('system')), ErrorCode.Invalid);
  assert.equal(code(() => schema.createKeyspace('system_schema', simple, { durableWrites: true })), ErrorCode.AlreadyExists);
  schema.alterKeyspace('system_auth', { replication: { class: 'SimpleStrategy', replication_factor: '3' } });
  assert.equal(events.length, 5);
});

test('NetworkTopologyStrategy replication_factor expands to the known datacenters', () => {
  const schema = new Schema({ random: seededRandom(1), dataCenters: () => ['dc1', 'dc2'] });
  schema.createKeyspace('ks', { class: 'NetworkTopologyStrategy', replication_factor: '2', dc2: '1' }, { durableWrites: true });
  assert.deepEqual(schema.getKeyspace('ks').replication, { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '2', dc2: '1' });
});

test('create table: metadata, default options, ids and errors', () => {
  const schema = schemaWithKeyspace();
  assert.deepEqual(schema.createTable(flights()), { change: 'CREATED', target: 'TABLE', keyspace: 'ks', name: 'flights' });
  const table = schema.getTable('ks', 'flights');
  assert.deepEqual(table.partitionKey.map((c) => [c.name, c.position]), [['origin', 0], ['day', 1]]);
  assert.deepEqual(table.clustering.map((c) => [c.name, c.order]), [['departure', 'desc'], ['number', 'asc']]);
  assert.deepEqual(table.regular.map((c) => [c.name, c.kind, c.position]), [['gate', 'regular', -1], ['note', 'static', -1]]);
  assert.match(table.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(table.options.gcGraceSeconds, 864000);
  assert.deepEqual(table.options.compaction, { class: 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', max_threshold: '32', min_threshold: '4' });
  assert.equal(schema.findTableById(table.id), table);
  assert.equal(code(() => schema.createTable(flights())), ErrorCode.AlreadyExists);
  assert.equal(schema.createTable(flights(), { ifNotExists: true }), null);
  assert.equal(message(() => schema.getTable('ks', 'nope')), 'unconfigured table nope');
  assert.equal(message(() => schema.createTable(flights({ keyspace: 'nope' }))), "Keyspace 'nope' doesn't exist");
  const errors: Array<[Partial<CreateTableInput>, RegExp]> = [
    [{ name: 't1', partitionKey: ['missing'] }, /Unknown column 'missing'/],
    [{ name: 't2', partitionKey: ['origin', 'origin'] }, /Duplicate column 'origin'/],
    [{ name: 't3', clustering: [] }, /Static columns are only useful/],
    [{ name: 't4', partitionKey: ['note'] }, /Static column 'note' cannot be part of the PRIMARY KEY/],
    [{ name: 't5', columns: [{ name: 'k', type: native('int') }, { name: 'c', type: native('counter') }, { name: 'v', type: native('int') }], partitionKey: ['k'], clustering: [] }, /Cannot mix counter/],
    [{ name: 't6', columns: [{ name: 'k', type: { kind: 'list', element: native('int'), frozen: false } }], partitionKey: ['k'], clustering: [] }, /Invalid non-frozen collection type list<int> for PRIMARY KEY component k/],
    [{ name: 't7', columns: [{ name: 'k', type: native('duration') }], partitionKey: ['k'], clustering: [] }, /duration type is not supported/],
    [{ name: 't8', columns: [{ name: 'k', type: native('int') }, { name: 'k', type: native('int') }], partitionKey: ['k'], clustering: [] }, /Duplicate column 'k' declaration/],
    [{ name: 'bad name' }, /Table name must not be empty/],
  ];
  for (const [override, pattern] of errors) assert.match(message(() => schema.createTable(flights(override))), pattern);
});

test('table options: parsing, expansion, unknown options, explicit id', () => {
  const schema = schemaWithKeyspace();
  schema.createTable({
    ...flights(),
    options: {
      comment: 'hi', gc_grace_seconds: '10', compaction: { class: 'LeveledCompactionStrategy' }, caching: { keys: 'none' },
      compression: { class: 'ZstdCompressor' }, speculative_retry: '95percentile', id: '5a1c395e-b41f-11e5-9f22-ba0be0483c18', cdc: 'true',
    },
  });
  const options = schema.getTable('ks', 'flights').options;
  assert.equal(options.comment, 'hi');
  assert.equal(options.gcGraceSeconds, 10);
  assert.deepEqual(options.compaction, { class: 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', max_threshold: '32', min_threshold: '4' });
  assert.deepEqual(options.caching, { keys: 'NONE', rows_per_partition: 'NONE' });
  assert.deepEqual(options.compression, { class: 'org.apache.cassandra.io.compress.ZstdCompressor', chunk_length_in_kb: '16' });
  assert.equal(options.speculativeRetry, '95p');
  assert.equal(options.cdc, true);
  assert.equal(schema.getTable('ks', 'flights').id, '5a1c395e-b41f-11e5-9f22-ba0be0483c18');
  assert.equal(code(() => schema.createTable({ ...flights({ name: 'x' }), options: { nonsense: '1' } })), ErrorCode.SyntaxError);
  assert.equal(code(() => schema.createTable({ ...flights({ name: 'x' }), options: { gc_grace_seconds: '-1' } })), ErrorCode.Invalid);
  assert.equal(code(() => schema.createTable({ ...flights({ name: 'x' }), options: { bloom_filter_fp_chance: '0' } })), ErrorCode.Invalid);
  assert.equal(code(() => schema.alterTable('ks', 'flights', { change: { kind: 'withOptions', options: { id: '5a1c395e-b41f-11e5-9f22-ba0be0483c18' } } })), ErrorCode.Invalid);
  schema.alterTable('ks', 'flights', { change: { kind: 'withOptions', options: { default_time_to_live: '60' } } });
  assert.equal(schema.getTable('ks', 'flights').options.defaultTimeToLive, 60);
  assert.equal(schema.getTable('ks', 'flights').options.comment, 'hi');
});

test('alter table: add, drop, rename with Cassandra rules', () => {
  const schema = schemaWithKeyspace();
  schema.createTable(flights());
  const before = schema.getTable('ks', 'flights');
  assert.deepEqual(schema.alterTable('ks', 'flights', { change: { kind: 'addColumns', columns: [{ name: 'aircraft', type: native('text') }] } }),
    { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 'flights' });
  assert.equal(before.columns.has('aircraft'), false, 'metadata handed out earlier is not mutated');
  assert.deepEqual(schema.getTable('ks', 'flights').regular.map((c) => c.name), ['aircraft', 'gate', 'note']);
  assert.match(message(() => schema.alterTable('ks', 'flights', { change: { kind: 'addColumns', columns: [{ name: 'gate', type: native('text') }] } })), /Column with name 'gate' already exists/);
  assert.match(message(() => schema.alterTable('ks', 'flights', { change: { kind: 'addColumns', columns: [{ name: 'c', type: native('counter') }] } })), /Cannot add a counter column/);
  schema.alterTable('ks', 'flights', { change: { kind: 'dropColumns', columns: ['gate'], droppedAtMicros: 1234 } });
  const table = schema.getTable('ks', 'flights');
  assert.equal(table.columns.has('gate'), false);
  assert.deepEqual(table.droppedColumns.get('gate'), { type: native('text'), droppedAtMicros: 1234 });
  assert.match(message(() => schema.alterTable('ks', 'flights', { change: { kind: 'dropColumns', columns: ['origin'], droppedAtMicros: 1 } })), /Cannot drop PRIMARY KEY column origin/);
  assert.match(message(() => schema.alterTable('ks', 'flights', { change: { kind: 'dropColumns', columns: ['zzz'], droppedAtMicros: 1 } })), /Column zzz was not found in table flights/);
  assert.match(message(() => schema.alterTable('ks', 'flights', { change: { kind: 'addColumns', columns: [{ name: 'gate', type: native('int') }] } })), /Cannot re-add previously dropped column 'gate' of type int, incompatible with previous type text/);
  schema.alterTable('ks', 'flights', { change: { kind: 'renameColumns', renames: [{ from: 'number', to: 'flight' }] } });
  assert.deepEqual(schema.getTable('ks', 'flights').clustering.map((c) => c.name), ['departure', 'flight']);
  assert.match(message(() => schema.alterTable('ks', 'flights', { change: { kind: 'renameColumns', renames: [{ from: 'note', to: 'x' }] } })), /Cannot rename non PRIMARY KEY column note/);
  assert.match(message(() => schema.alterTable('ks', 'flights', { change: { kind: 'renameColumns', renames: [{ from: 'flight', to: 'note' }] } })), /another column with that name already exists/);
  assert.match(message(() => schema.alterTable('ks', 'nope', { change: { kind: 'withOptions', options: {} } })), /Table 'ks.nope' doesn't exist/);
  assert.equal(schema.dropTable('ks', 'flights')?.change, 'DROPPED');
  assert.equal(schema.dropTable('ks', 'flights', { ifExists: true }), null);
  assert.match(message(() => schema.dropTable('ks', 'flights')), /Table 'ks.flights' doesn't exist/);
  assert.match(message(() => schema.dropTable('system', 'local')), /system keyspace is not user-modifiable/);
});

test('user types: create, use, alter propagates, drop refuses while used', () => {
  const schema = schemaWithKeyspace();
  assert.equal(schema.createType('ks', 'address', { fields: [{ name: 'street', type: native('text') }] })?.target, 'TYPE');
  assert.equal(code(() => schema.createType('ks', 'address', { fields: [] })), ErrorCode.AlreadyExists);
  assert.equal(schema.createType('ks', 'address', { fields: [], ifNotExists: true }), null);
  const address: DataType = { kind: 'udt', keyspace: 'ks', name: 'address', fields: [{ name: 'street', type: native('text') }], frozen: true };
  schema.createTable({ keyspace: 'ks', name: 'people', columns: [{ name: 'id', type: native('int') }, { name: 'home', type: address }], partitionKey: ['id'], clustering: [] });
  assert.match(message(() => schema.createTable({ keyspace: 'ks', name: 'p2', columns: [{ name: 'id', type: native('int') }, { name: 'h', type: { ...address, name: 'nope' } }], partitionKey: ['id'], clustering: [] })), /Unknown type ks.nope/);
  schema.alterType('ks', 'address', { change: { kind: 'addField', field: 'city', type: native('text') } });
  const home = schema.getTable('ks', 'people').columns.get('home')?.type;
  assert.ok(home?.kind === 'udt');
  assert.deepEqual(home.fields.map((field) => field.name), ['street', 'city']);
  schema.alterType('ks', 'address', { change: { kind: 'renameFields', renames: [{ from: 'city', to: 'town' }] } });
  assert.deepEqual(schema.findType('ks', 'address')?.fields.map((f) => f.name), ['street', 'town']);
  assert.match(message(() => schema.dropType('ks', 'address')), /still used by table ks.people/);
  schema.dropTable('ks', 'people');
  assert.equal(schema.dropType('ks', 'address')?.change, 'DROPPED');
  assert.equal(schema.dropType('ks', 'address', { ifExists: true }), null);
});

test('schema version: deterministic, changes with every DDL, ignores virtual keyspaces', () => {
  const a = schemaWithKeyspace();
  const b = new Schema({ random: seededRandom(1) });
  b.createKeyspace('ks', simple, { durableWrites: true });
  assert.equal(a.schemaVersion(), b.schemaVersion());
  assert.match(a.schemaVersion(), /^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const versions = new Set([a.schemaVersion()]);
  a.createTable(flights());
  versions.add(a.schemaVersion());
  a.alterTable('ks', 'flights', { change: { kind: 'withOptions', options: { comment: 'x' } } });
  versions.add(a.schemaVersion());
  assert.equal(versions.size, 3);
  a.dropTable('ks', 'flights');
  assert.equal(a.schemaVersion(), b.schemaVersion(), 'the version is content-based');
  assert.notEqual(new Schema({ random: seededRandom(1) }).schemaVersion(), b.schemaVersion());
});

test('persistence: save and load round trip, corrupt file names the file', async () => {
  const disk = new SimulatedDisk();
  await disk.makeDirectory('data');
  const schema = await Schema.load(disk, 'data/schema.json', seededRandom(3));
  schema.createKeyspace('ks', simple, { durableWrites: true });
  schema.createType('ks', 'address', { fields: [{ name: 'street', type: native('text') }] });
  schema.createTable({ ...flights(), options: { caching: { keys: 'NONE' } } });
  schema.alterTable('ks', 'flights', { change: { kind: 'dropColumns', columns: ['gate'], droppedAtMicros: 99 } });
  await schema.save();
  disk.crash();
  const loaded = await Schema.load(disk, 'data/schema.json', seededRandom(4));
  assert.equal(loaded.schemaVersion(), schema.schemaVersion());
  assert.equal(loaded.exportJson(), schema.exportJson());
  const table = loaded.getTable('ks', 'flights');
  assert.deepEqual([...table.columns.keys()], [...schema.getTable('ks', 'flights').columns.keys()]);
  assert.equal(table.droppedColumns.get('gate')?.droppedAtMicros, 99);
  assert.ok(loaded.getTable('system', 'local').virtual);
  await loaded.save(); // overwrites atomically
  disk.corrupt('data/schema.json', 30, (byte) => byte ^ 1);
  await assert.rejects(Schema.load(disk, 'data/schema.json', seededRandom(5)), (error: unknown) => error instanceof CorruptionError && error.message.includes('data/schema.json'));
});

test('mergeRows takes in a peer schema and reports the differences', () => {
  const peer = schemaWithKeyspace();
  peer.createTable(flights());
  peer.createType('ks', 'address', { fields: [{ name: 'street', type: native('text') }] });
  peer.createKeyspace('other', simple, { durableWrites: true });
  const local = new Schema({ random: seededRandom(9) });
  local.createKeyspace('mine', simple, { durableWrites: true });
  const events: SchemaChange[] = [];
  local.onChange((change) => events.push(change));
  const changes = local.mergeRows(peer.exportRows(), '127.0.0.2');
  assert.deepEqual(changes, events);
  assert.deepEqual(changes.map((c) => `${c.change} ${c.target} ${c.keyspace}${c.name === undefined ? '' : `.${c.name}`}`), [
    'CREATED KEYSPACE ks', 'CREATED TYPE ks.address', 'CREATED TABLE ks.flights', 'CREATED KEYSPACE other',
  ]);
  assert.ok(local.findKeyspace('mine'), 'a keyspace the peer never had is kept');
  assert.equal(local.getTable('ks', 'flights').id, peer.getTable('ks', 'flights').id);
  assert.ok(local.getTable('system', 'local').virtual);
  peer.mergeRows(local.exportRows(), 'local');
  assert.equal(local.schemaVersion(), peer.schemaVersion());
  peer.alterTable('ks', 'flights', { change: { kind: 'withOptions', options: { comment: 'changed' } } });
  peer.dropKeyspace('other');
  assert.deepEqual(local.mergeRows(peer.exportRows(), 'peer'), [
    { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 'flights' }, { change: 'DROPPED', target: 'KEYSPACE', keyspace: 'other' },
  ]);
  assert.deepEqual(local.mergeRows(peer.exportRows(), 'peer'), []);
  assert.throws(() => local.mergeRows('{nope', 'peer'), CorruptionError);
  assert.throws(() => local.mergeRows([['["ks","nonsense"]', 1, '{}']], 'peer'), CorruptionError);
});

test('findTableById follows alter, drop and re-create (its memory of ids never answers a stale table)', () => {
  const schema = schemaWithKeyspace();
  schema.createTable(flights());
  const created = schema.getTable('ks', 'flights');
  assert.equal(schema.findTableById(created.id), created);
  assert.equal(schema.findTableById(created.id), created, 'remembered');
  schema.alterTable('ks', 'flights', { change: { kind: 'withOptions', options: { speculative_retry: '50ms' } } });
  const altered = schema.findTableById(created.id);
  assert.equal(altered, schema.getTable('ks', 'flights'));
  assert.equal(altered?.options.speculativeRetry, '50ms');
  schema.dropTable('ks', 'flights');
  assert.equal(schema.findTableById(created.id), undefined);
  schema.createTable(flights());
  assert.equal(schema.findTableById(created.id), undefined, 'a new table of that name has a new id');
  assert.equal(schema.findTableById(schema.getTable('ks', 'flights').id), schema.getTable('ks', 'flights'));
  schema.dropKeyspace('ks');
  assert.equal(schema.findTableById(created.id), undefined);
});

// DESCRIBE's CQL text against Cassandra 4.0's output, written out by hand from its format
// (CqlBuilder: four-space indents, options in alphabetical order, maps with sorted keys).

import test from 'node:test';
import assert from 'node:assert/strict';
import type { DataType } from '../protocol/data-type.js';
import type { KeyspaceMetadata } from '../schema/metadata.js';
import { buildTable } from '../schema/table-builder.js';
import { defaultTableOptions } from '../schema/table-options.js';
import { cqlType, javaDouble, keyspaceCql, maybeQuote, tableCql, userTypeCql } from './describe-render.js';
import { indexCql, typesInDependencyOrder } from './describe.js';

const int: DataType = { kind: 'native', name: 'int' };
const text: DataType = { kind: 'native', name: 'varchar' };
const ID = '5a1c395e-b41f-11e5-9f22-ba0be0483c18';

const DEFAULT_OPTIONS = [
  "    AND additional_write_policy = '99p'",
  '    AND bloom_filter_fp_chance = 0.01',
  "    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}",
  '    AND cdc = false',
  "    AND comment = ''",
  "    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}",
  "    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}",
  '    AND crc_check_chance = 1.0',
  '    AND default_time_to_live = 0',
  '    AND extensions = {}',
  '    AND gc_grace_seconds = 864000',
  '    AND max_index_interval = 2048',
  '    AND memtable_flush_period_in_ms = 0',
  '    AND min_index_interval = 128',
  "    AND read_repair = 'BLOCKING'",
  "    AND speculative_retry = '99p';",
];

test('names are quoted unless lower-case identifiers that are no reserved word', () => {
  assert.equal(maybeQuote('flights'), 'flights');
  assert.equal(maybeQuote('Flights'), '"Flights"');
  assert.equal(maybeQuote('select'), '"select"');
  assert.equal(maybeQuote('a"b'), '"a""b"');
  assert.equal(maybeQuote('1a'), '"1a"');
});

test('doubles print as Java prints them', () => {
  assert.deepEqual([1, 0.01, 0.1, 0.5, 1e-4, 12345678, 0].map(javaDouble), ['1.0', '0.01', '0.1', '0.5', '1.0E-4', '1.2345678E7', '0.0']);
});

test('types: nested collections and user types frozen, user types by quoted name', () => {
  const address: DataType = { kind: 'udt', keyspace: 'ks', name: 'Address', fields: [], frozen: true };
  assert.equal(cqlType({ kind: 'map', key: text, value: { kind: 'list', element: int, frozen: true }, frozen: false }), 'map<text, frozen<list<int>>>');
  assert.equal(cqlType({ kind: 'set', element: address, frozen: false }), 'set<frozen<"Address">>');
  assert.equal(cqlType({ kind: 'tuple', elements: [int, text] }), 'frozen<tuple<int, text>>');
});

test('keyspace: short strategy class, sorted options, two spaces before AND', () => {
  const keyspace: KeyspaceMetadata = {
    name: 'ks', replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc2: '1', dc1: '3' },
    durableWrites: false, tables: new Map(), types: new Map(), virtual: false,
  };
  assert.equal(keyspaceCql(keyspace), "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3', 'dc2': '1'}  AND durable_writes = false;");
});

test('table with a single-column primary key', () => {
  const table = buildTable({ keyspace: 'ks', name: 't', columns: [{ name: 'k', type: int }, { name: 'v', type: text }], partitionKey: ['k'], clustering: [] },
    { id: ID, options: defaultTableOptions(), virtual: false });
  const expected = ['CREATE TABLE ks.t (', '    k int PRIMARY KEY,', '    v text', ') WITH additional_write_policy = \'99p\'', ...DEFAULT_OPTIONS.slice(1)].join('\n');
  assert.equal(tableCql(table, { internals: false }), expected);
});

test('table with clustering order, statics first, WITH INTERNALS: id and dropped columns', () => {
  const built = buildTable({
    keyspace: 'ks', name: 'Events',
    columns: [{ name: 'a', type: int }, { name: 'b', type: int }, { name: 'c', type: text }, { name: 'z', type: int }, { name: 's', type: text, isStatic: true }],
    partitionKey: ['a', 'b'], clustering: [{ name: 'c', order: 'desc' }],
  }, { id: ID, options: { ...defaultTableOptions(), comment: "it's" }, virtual: false });
  const table = { ...built, droppedColumns: new Map([['gone', { type: int, droppedAtMicros: 1700000000000000 }]]) };
  const columns = ['CREATE TABLE ks."Events" (', '    a int,', '    b int,', '    c text,', '    s text static,', '    z int,'];
  const options = DEFAULT_OPTIONS.map((line) => (line.includes('comment') ? "    AND comment = 'it''s'" : line));
  assert.equal(tableCql(table, { internals: false }), [...columns, '    PRIMARY KEY ((a, b), c)', ') WITH CLUSTERING ORDER BY (c DESC)', ...options].join('\n'));
  assert.equal(tableCql(table, { internals: true }), [
    ...columns, '    gone int,', '    PRIMARY KEY ((a, b), c)', `) WITH ID = ${ID}`, '    AND CLUSTERING ORDER BY (c DESC)', ...options,
    'ALTER TABLE ks."Events" DROP gone USING TIMESTAMP 1700000000000000;',
  ].join('\n'));
});

test('user types come after the types they use, then by name', () => {
  const inner = { keyspace: 'ks', name: 'z_inner', fields: [{ name: 'n', type: int }] };
  const outer = { keyspace: 'ks', name: 'a_outer', fields: [{ name: 'i', type: { kind: 'udt', keyspace: 'ks', name: 'z_inner', fields: inner.fields, frozen: true } as DataType }] };
  const keyspace: KeyspaceMetadata = { name: 'ks', replication: { class: 'x' }, durableWrites: true, tables: new Map(), types: new Map([['a_outer', outer], ['z_inner', inner]]), virtual: false };
  assert.deepEqual(typesInDependencyOrder(keyspace).map((t) => t.name), ['z_inner', 'a_outer']);
  assert.equal(userTypeCql(outer), 'CREATE TYPE ks.a_outer (\n    i frozen<z_inner>\n);');
});

test('indexes: plain and custom', () => {
  const table = buildTable({ keyspace: 'ks', name: 't', columns: [{ name: 'k', type: int }, { name: 'v', type: text }], partitionKey: ['k'], clustering: [] },
    { id: ID, options: defaultTableOptions(), virtual: false });
  assert.equal(indexCql(table, { name: 'by_v', kind: 'COMPOSITES', options: { target: 'v' } }), 'CREATE INDEX by_v ON ks.t (v);');
  assert.equal(indexCql(table, { name: 'sai', kind: 'CUSTOM', options: { target: 'v', class_name: 'StorageAttachedIndex', mode: 'x' } }),
    "CREATE CUSTOM INDEX sai ON ks.t (v) USING 'StorageAttachedIndex' WITH OPTIONS = {'mode': 'x'};");
});

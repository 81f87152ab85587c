import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import type { Random } from '../common/world.js';
import { native } from '../protocol/data-type.js';
import { encodeSchemaFile, toDocument } from './schema-document.js';
import { Schema } from './schema.js';

const random: Random = { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n) => Buffer.alloc(n, 7) };
let idSeed = 0;
const simple = { class: 'SimpleStrategy', replication_factor: '1' };

/** A schema whose DDL write times come from `clock.now` (microseconds). */
function node(clock: { now: number }): Schema {
  idSeed += 1;
  const seed = idSeed;
  return new Schema({ random: { ...random, bytes: (n) => Buffer.alloc(n, seed) }, nowMicros: () => clock.now });
}

function columns(schema: Schema, keyspace: string, table: string): string[] {
  return [...schema.getTable(keyspace, table).columns.keys()];
}

/** Two nodes that start from one schema (ks, and ks.t with k and a), as after agreement. */
function pair(): { a: Schema; b: Schema; clock: { now: number } } {
  const clock = { now: 1_000 };
  const a = node(clock);
  const b = node(clock);
  a.createKeyspace('ks', simple, { durableWrites: true });
  a.createTable({ keyspace: 'ks', name: 't', columns: [{ name: 'k', type: native('int') }, { name: 'a', type: native('text') }], partitionKey: ['k'], clustering: [] });
  b.mergeRows(a.exportRows(), 'a');
  clock.now = 2_000;
  return { a, b, clock };
}

function exchange(a: Schema, b: Schema): void {
  b.mergeRows(a.exportRows(), 'a');
  a.mergeRows(b.exportRows(), 'b');
  assert.equal(a.schemaVersion(), b.schemaVersion(), 'both nodes end with one version');
  assert.equal(a.exportJson(), b.exportJson());
}

test('CREATE TABLE a and CREATE TABLE b at once through two nodes: both survive', () => {
  const { a, b } = pair();
  a.createTable({ keyspace: 'ks', name: 'x', columns: [{ name: 'k', type: native('int') }], partitionKey: ['k'], clustering: [] });
  b.createTable({ keyspace: 'ks', name: 'y', columns: [{ name: 'k', type: native('int') }], partitionKey: ['k'], clustering: [] });
  exchange(a, b);
  assert.deepEqual([...a.getKeyspace('ks').tables.keys()].sort(), ['t', 'x', 'y']);
});

test('ALTER TABLE t ADD x and ALTER TABLE t ADD y at once: the table has both columns', () => {
  const { a, b } = pair();
  a.alterTable('ks', 't', { change: { kind: 'addColumns', columns: [{ name: 'x', type: native('int'), isStatic: false }] } });
  b.alterTable('ks', 't', { change: { kind: 'addColumns', columns: [{ name: 'y', type: native('text'), isStatic: false }] } });
  exchange(a, b);
  assert.deepEqual(columns(a, 'ks', 't'), ['k', 'a', 'x', 'y']);
  assert.equal(a.getTable('ks', 't').id, b.getTable('ks', 't').id);
});

test('two keyspaces, a type and table options at once: all kept; the same option converges to the later write', () => {
  const { a, b, clock } = pair();
  a.createKeyspace('one', simple, { durableWrites: true });
  a.alterTable('ks', 't', { change: { kind: 'withOptions', options: { comment: 'older' } } });
  clock.now = 2_500;
  b.createKeyspace('two', simple, { durableWrites: false });
  b.createType('ks', 'address', { fields: [{ name: 'street', type: native('text') }] });
  b.alterTable('ks', 't', { change: { kind: 'withOptions', options: { comment: 'newer' } } });
  exchange(a, b);
  assert.ok(a.findKeyspace('one') && a.findKeyspace('two') && a.findType('ks', 'address'));
  assert.equal(a.getKeyspace('two').durableWrites, false);
  assert.equal(a.getTable('ks', 't').options.comment, 'newer');
});

test('DROP TABLE concurrent with ALTER TABLE of it: the drop wins, whichever write time is later', () => {
  for (const alterLater of [false, true]) {
    const { a, b, clock } = pair();
    if (alterLater) {
      a.dropTable('ks', 't');
      clock.now = 3_000;
      b.alterTable('ks', 't', { change: { kind: 'addColumns', columns: [{ name: 'z', type: native('int'), isStatic: false }] } });
    } else {
      b.alterTable('ks', 't', { change: { kind: 'addColumns', columns: [{ name: 'z', type: native('int'), isStatic: false }] } });
      clock.now = 3_000;
      a.dropTable('ks', 't');
    }
    exchange(a, b);
    assert.equal(a.findTable('ks', 't'), undefined, `alter later: ${String(alterLater)}`);
    // A table created again under that name later is a new table, without the orphaned column.
    clock.now = 4_000;
    a.createTable({ keyspace: 'ks', name: 't', columns: [{ name: 'k', type: native('int') }], partitionKey: ['k'], clustering: [] });
    exchange(a, b);
    assert.deepEqual(columns(b, 'ks', 't'), ['k']);
  }
});

test('DROP KEYSPACE hides tables created in it concurrently; a drop of a column is kept against an older add elsewhere', () => {
  const { a, b, clock } = pair();
  a.dropKeyspace('ks');
  b.createTable({ keyspace: 'ks', name: 'late', columns: [{ name: 'k', type: native('int') }], partitionKey: ['k'], clustering: [] });
  exchange(a, b);
  assert.equal(b.findKeyspace('ks'), undefined);
  const second = pair();
  second.a.alterTable('ks', 't', { change: { kind: 'dropColumns', columns: ['a'], droppedAtMicros: 2_000 } });
  exchange(second.a, second.b);
  assert.deepEqual(columns(second.b, 'ks', 't'), ['k']);
  assert.equal(second.b.getTable('ks', 't').droppedColumns.get('a')?.droppedAtMicros, 2_000);
  void clock;
});

test('equal write times resolve the same way in either merge order', () => {
  const { a, b } = pair();
  a.alterTable('ks', 't', { change: { kind: 'withOptions', options: { comment: 'from a' } } });
  b.alterTable('ks', 't', { change: { kind: 'withOptions', options: { comment: 'from b' } } });
  const c = node({ now: 0 });
  const d = node({ now: 0 });
  c.mergeRows(a.exportRows(), 'a');
  c.mergeRows(b.exportRows(), 'b');
  d.mergeRows(b.exportRows(), 'b');
  d.mergeRows(a.exportRows(), 'a');
  assert.equal(c.exportJson(), d.exportJson());
  exchange(a, b);
  assert.equal(a.exportJson(), c.exportJson());
  // And at equal times a drop beats a write.
  const e = pair();
  e.a.dropTable('ks', 't');
  e.b.alterTable('ks', 't', { change: { kind: 'withOptions', options: { comment: 'same instant' } } });
  exchange(e.a, e.b);
  assert.equal(e.b.findTable('ks', 't'), undefined);
});

test('rows persist and load; a schema file of the first format is upgraded in place with its write time', async () => {
  const disk = new SimulatedDisk();
  await disk.makeDirectory('data');
  const clock = { now: 5_000_000 };
  const saved = await Schema.load(disk, 'data/schema.json', random, { nowMicros: () => clock.now });
  saved.createKeyspace('ks', simple, { durableWrites: true });
  saved.createTable({ keyspace: 'ks', name: 't', columns: [{ name: 'k', type: native('int') }], partitionKey: ['k'], clustering: [] });
  saved.dropTable('ks', 't');
  await saved.save();
  disk.crash();
  const loaded = await Schema.load(disk, 'data/schema.json', random);
  assert.deepEqual(loaded.exportRows(), saved.exportRows(), 'rows and tombstones survive a restart');

  // A node of the first format: one document, and the time (ms) of its last change beside it.
  const legacy = new Schema({ random });
  legacy.createKeyspace('old', simple, { durableWrites: true });
  legacy.createTable({ keyspace: 'old', name: 'flights', columns: [{ name: 'id', type: native('text') }, { name: 'gate', type: native('text') }], partitionKey: ['id'], clustering: [] });
  const file = await disk.openAppend('data/legacy.json');
  await file.append(encodeSchemaFile(toDocument([legacy.getKeyspace('old')])));
  await file.sync();
  await file.close();
  const changed = await disk.openAppend('data/schema-changed-ms');
  await changed.append(Buffer.from('7000'));
  await changed.sync();
  await changed.close();
  const upgraded = await Schema.load(disk, 'data/legacy.json', random);
  assert.deepEqual(columns(upgraded, 'old', 'flights'), ['id', 'gate']);
  assert.ok(upgraded.exportRows().every(([path, ts]) => !path.startsWith('["old"') || ts === 7_000_000), 'rows carry the time of the last change');
  // A peer's change made after that time wins; the upgraded node keeps the rest.
  const peer = node({ now: 8_000_000 });
  peer.mergeRows(upgraded.exportRows(), 'upgraded');
  peer.alterTable('old', 'flights', { change: { kind: 'addColumns', columns: [{ name: 'status', type: native('text'), isStatic: false }] } });
  upgraded.mergeRows(peer.exportRows(), 'peer');
  assert.deepEqual(columns(upgraded, 'old', 'flights'), ['id', 'gate', 'status']);
});

test('a local change after merging a peer is later than everything merged, even with a clock behind', () => {
  const ahead = node({ now: 9_000_000 });
  ahead.createKeyspace('ks', simple, { durableWrites: true });
  const behind = node({ now: 1 });
  behind.mergeRows(ahead.exportRows(), 'ahead');
  behind.dropKeyspace('ks');
  ahead.mergeRows(behind.exportRows(), 'behind');
  assert.equal(ahead.findKeyspace('ks'), undefined);
});

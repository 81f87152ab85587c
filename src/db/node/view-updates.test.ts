import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Schema } from '../schema/schema.js';
import { EMPTY_CLUSTERING } from '../schema/clustering-key.js';
import { viewsOf } from '../schema/views.js';
import { NO_DELETION_TIME, type Cell } from '../storage/types.js';
import { EXPIRED_LIVENESS_TTL, viewRowsFor, type BaseRowState } from './view-updates.js';

// A base table (k int PRIMARY KEY, v int, w int) and a view keyed by (v, k), built by hand.
function fixture() {
  const schema = new Schema({ random: { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n) => randomBytes(n) } });
  schema.createKeyspace('ks', { class: 'SimpleStrategy', replication_factor: '1' }, { durableWrites: true });
  const int = { kind: 'native', name: 'int' } as const;
  schema.createTable({ keyspace: 'ks', name: 't', columns: [{ name: 'k', type: int }, { name: 'v', type: int }, { name: 'w', type: int }], partitionKey: ['k'], clustering: [] });
  schema.createView({
    keyspace: 'ks', name: 'by_v', baseTable: 't', columns: ['k', 'v', 'w'], partitionKey: ['v'], clustering: [{ name: 'k' }],
    includeAllColumns: true, whereClause: 'v IS NOT NULL AND k IS NOT NULL',
  });
  const base = schema.getTable('ks', 't');
  const view = viewsOf(schema.getKeyspace('ks'), base.id)[0]!;
  return { base, view, key: int4(1), nowSeconds: 1000 };
}

const int4 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const cell = (column: string, value: number | null, timestampMicros: number): Cell =>
  ({ column, timestampMicros, ttlSeconds: 0, localDeletionTime: value === null ? 900 : NO_DELETION_TIME, value: value === null ? null : int4(value) });
const state = (cells: Cell[], liveness: number | null = null): BaseRowState => ({
  clustering: EMPTY_CLUSTERING, deletion: null, cells,
  liveness: liveness === null ? null : { timestampMicros: liveness, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME },
});

test('a new base row with v makes an entry live at the timestamp of v', () => {
  const context = fixture();
  const rows = viewRowsFor(undefined, state([cell('v', 5, 10), cell('w', 1, 10)], 10), context);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0]!.key, int4(5));
  assert.deepEqual(rows[0]!.row.liveness, { timestampMicros: 10, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME });
  assert.deepEqual(rows[0]!.row.cells.map((c) => c.column), ['w']);
});

test('changing v writes the new entry and kills the old one with an expired liveness at the old v timestamp', () => {
  const context = fixture();
  const rows = viewRowsFor(state([cell('v', 5, 10)], 10), state([cell('v', 6, 20)], 10), context);
  assert.deepEqual(rows.map((r) => r.key.readInt32BE()), [6, 5]);
  assert.deepEqual(rows[1]!.row.liveness, { timestampMicros: 10, ttlSeconds: EXPIRED_LIVENESS_TTL, localExpirationTime: 1000 });
});

test('v set null removes the entry; a row deletion carries its own deletion time', () => {
  const context = fixture();
  const removed = viewRowsFor(state([cell('v', 5, 10)], 10), state([cell('v', null, 20)], 10), context);
  assert.deepEqual(removed.map((r) => [r.key.readInt32BE(), r.row.liveness?.ttlSeconds]), [[5, EXPIRED_LIVENESS_TTL]]);
  const deletion = { markedForDeleteAtMicros: 30, localDeletionTime: 1000 };
  const deleted = viewRowsFor(state([cell('v', 5, 10)], 10), { clustering: EMPTY_CLUSTERING, liveness: null, deletion, cells: [] }, context);
  assert.deepEqual(deleted.map((r) => [r.key.readInt32BE(), r.row.liveness, r.row.deletion]), [[5, null, deletion]]);
});

test('an update of another column keeps the entry where it is', () => {
  const context = fixture();
  const rows = viewRowsFor(state([cell('v', 5, 10), cell('w', 1, 10)], 10), state([cell('v', 5, 10), cell('w', 2, 20)], 10), context);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0]!.row.cells.map((c) => c.value?.readInt32BE()), [2]);
});

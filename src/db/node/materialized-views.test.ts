import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { murmur3Token } from '../dht/murmur3.js';
import { Schema } from '../schema/schema.js';
import { EMPTY_CLUSTERING } from '../schema/clustering-key.js';
import { NO_DELETION_TIME, type FlushHold, type Mutation, type ReadResult } from '../storage/types.js';
import { MaterializedViews } from './materialized-views.js';

const int4 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } as never;

// A base table t (k, v) with a view by_v keyed by (v, k), and a plain table u (k, w), in one keyspace.
function fixture() {
  const schema = new Schema({ random: { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n) => randomBytes(n) } });
  schema.createKeyspace('ks', { class: 'SimpleStrategy', replication_factor: '1' }, { durableWrites: true });
  const int = { kind: 'native', name: 'int' } as const;
  schema.createTable({ keyspace: 'ks', name: 't', columns: [{ name: 'k', type: int }, { name: 'v', type: int }], partitionKey: ['k'], clustering: [] });
  schema.createTable({ keyspace: 'ks', name: 'u', columns: [{ name: 'k', type: int }, { name: 'w', type: int }], partitionKey: ['k'], clustering: [] });
  schema.createView({
    keyspace: 'ks', name: 'by_v', baseTable: 't', columns: ['k', 'v'], partitionKey: ['v'], clustering: [{ name: 'k' }],
    includeAllColumns: true, whereClause: 'v IS NOT NULL AND k IS NOT NULL',
  });
  // A store that records each apply and holds the last write of each partition.
  const applied: string[][] = [];
  const partitions = new Map<string, Mutation>();
  const name = (tableId: string) => schema.findTableById(tableId)?.name ?? tableId;
  const holds: Array<{ tables: string[]; settled: boolean }> = [];
  const store = {
    apply: async (mutations: Mutation[], _encoded?: Buffer, flushHold?: FlushHold) => {
      if (flushHold !== undefined) {
        const hold = { tables: [...flushHold.tableIds].map(name), settled: false };
        holds.push(hold);
        void flushHold.until.then(() => { hold.settled = true; applied.push([`settled ${hold.tables.join(',')}`]); });
      }
      applied.push(mutations.map((m) => name(m.tableId)));
      for (const m of mutations) partitions.set(`${m.tableId}:${m.key.toString('hex')}`, m);
    },
    read: async (command: { tableId: string; key: Buffer }): Promise<ReadResult> => {
      const partition = partitions.get(`${command.tableId}:${command.key.toString('hex')}`);
      return { partitions: partition === undefined ? [] : [partition] };
    },
    truncate: async () => {},
    hasTable: () => true,
  };
  const views = new MaterializedViews({ store: store as never, schema, logger: silent, nowSeconds: () => 1000 });
  const write = (table: string, column: string, value: number): Mutation => {
    const key = int4(1);
    return {
      keyspace: 'ks', tableId: schema.getTable('ks', table).id, key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [],
      rows: [{ clustering: EMPTY_CLUSTERING, liveness: { timestampMicros: 5, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }, deletion: null,
        cells: [{ column, timestampMicros: 5, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: int4(value) }] }],
    };
  };
  return { views, applied, write, holds };
}

/** The store's record without the flush holds' settlements. */
const writesOnly = (entry: string[]) => !(entry[0] ?? '').startsWith('settled');

test('a mutation of a base table with views and of another table is applied as one write, then its view update', async () => {
  const { views, applied, write } = fixture();
  await views.apply([write('u', 'w', 7), write('t', 'v', 3)]);
  assert.deepEqual(applied.filter(writesOnly), [['u', 't'], ['by_v']]);
});

test('two writes of the same two viewed partitions, listed in opposite orders, run one after the other without deadlock', { timeout: 5_000 }, async () => {
  const { views, applied, write } = fixture();
  const other = write('t', 'v', 4);
  other.key = int4(2);
  other.token = murmur3Token(other.key);
  await Promise.all([views.apply([write('t', 'v', 3), other]), views.apply([other, write('t', 'v', 5)])]);
  // Each write: one apply of both base rows, then the view update of each (the second moves key 1's view row from v 3 to v 5: a delete and an insert).
  assert.deepEqual(applied.filter(writesOnly), [['t', 't'], ['by_v'], ['by_v'], ['t', 't'], ['by_v'], ['by_v', 'by_v']]);
});

test('a base write holds the flushes of its base table until its view updates are delivered', async () => {
  const { views, applied, write, holds } = fixture();
  await views.apply([write('u', 'w', 7), write('t', 'v', 3)]);
  await new Promise((resolve) => setImmediate(resolve));
  // The hold names the base table only (not u, not the view), and settles after the view update.
  assert.deepEqual(holds, [{ tables: ['t'], settled: true }]);
  assert.deepEqual(applied, [['u', 't'], ['by_v'], ['settled t']]);
  // A write of a table without views holds nothing.
  await views.apply([write('u', 'w', 8)]);
  assert.equal(holds.length, 1);
});

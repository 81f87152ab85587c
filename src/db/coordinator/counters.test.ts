import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { murmur3Token } from '../dht/murmur3.js';
import { EMPTY_CLUSTERING } from '../schema/clustering-key.js';
import { NO_DELETION_TIME, type Cell, type Mutation, type ReadCommand } from '../storage/types.js';
import { silentLogger } from '../common/world.js';
import { SimulatedClock } from '../../../test/harness/simulated-clock.js';
import { CounterLeader, decodeCounterMutation, encodeCounterMutation, foldCounterShards, shardColumn } from './counters.js';

const total = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n, 0); return b; };
const cell = (column: string, timestampMicros: number, value: Buffer | null): Cell => ({ column, timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value });
const key = Buffer.from('k');
const deltas = (delta: bigint): Mutation => ({ keyspace: 'ks', tableId: 't', key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [],
  rows: [{ clustering: EMPTY_CLUSTERING, liveness: null, deletion: null, cells: [cell('c', 1, total(delta))] }] });

test('shards of a column fold into their sum at the newest clock; other cells stay', () => {
  const folded = foldCounterShards([cell(shardColumn('c', 'a'), 5, total(10n)), cell(shardColumn('c', 'b'), 9, total(-3n)), cell('d', 1, total(1n)), cell(shardColumn('e', 'a'), 2, total(4n))]);
  assert.deepEqual(folded.map((c) => [c.column, c.timestampMicros, c.value?.readBigInt64BE(0)]), [['c', 9, 7n], ['d', 1, 1n], ['e', 2, 4n]]);
});

test('the leader adds deltas to its own shard at ever newer clocks, one at a time per partition', async () => {
  const clock = new SimulatedClock();
  const stored: Cell[] = [];
  const replicated: Mutation[] = [];
  const leader = new CounterLeader({
    clock, counterId: 'me', logger: silentLogger, read: async () => ({ partitions: [] }),
    store: {
      apply: async (mutations) => { for (const m of mutations) stored.push(...m.rows.flatMap((r) => r.cells)); },
      read: async (_command: ReadCommand) => {
        const newest = stored.reduce<Cell | undefined>((best, c) => (best === undefined || c.timestampMicros > best.timestampMicros ? c : best), undefined);
        return { partitions: newest === undefined ? [] : [{ key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [], rows: [{ clustering: EMPTY_CLUSTERING, liveness: null, deletion: null, cells: [newest] }] }] };
      },
    },
    writePath: { mutate: async (mutations) => { replicated.push(...mutations); } },
  });
  await Promise.all([leader.apply(deltas(5n), ConsistencyLevel.QUORUM), leader.apply(deltas(-2n), ConsistencyLevel.QUORUM), leader.apply(deltas(10n), ConsistencyLevel.QUORUM)]);
  const shards = replicated.map((m) => m.rows[0]!.cells[0]!);
  assert.deepEqual(shards.map((c) => c.column), [shardColumn('c', 'me'), shardColumn('c', 'me'), shardColumn('c', 'me')]);
  assert.deepEqual(shards.map((c) => c.value?.readBigInt64BE(0)), [5n, 3n, 13n]);
  assert.ok(shards[0]!.timestampMicros < shards[1]!.timestampMicros && shards[1]!.timestampMicros < shards[2]!.timestampMicros);
});

test('COUNTER_MUTATION round-trips and rejects an unknown level or truncation', () => {
  const payload = encodeCounterMutation(deltas(4n), ConsistencyLevel.LOCAL_QUORUM);
  assert.deepEqual(decodeCounterMutation(payload, 'test'), { mutation: deltas(4n), level: ConsistencyLevel.LOCAL_QUORUM });
  const bad = Buffer.from(payload);
  bad.writeUInt16BE(0x99, 0);
  assert.throws(() => decodeCounterMutation(bad, 'test'), /unknown consistency/);
  for (let cut = 0; cut < payload.length; cut++) assert.throws(() => decodeCounterMutation(payload.subarray(0, cut), 'test'));
});

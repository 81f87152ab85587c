import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import { compact } from './compaction.js';
import { mergePartitions, purgePartition, isEmptyPartition } from './partition.js';
import { TestRandom, comparePartitions, makePartition } from './sstable/fixtures.test.js';
import { SSTableReader, writeSSTable } from './sstable/index.js';
import { MIN_TOKEN, NO_DELETION_TIME, type Partition } from './types.js';

const directory = 'data/ks/t';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function writeAll(disk: SimulatedDisk, sets: Partition[][]): Promise<SSTableReader[]> {
  const readers: SSTableReader[] = [];
  for (const [index, partitions] of sets.entries()) {
    const sorted = [...partitions].sort(comparePartitions);
    const descriptor = await writeSSTable({ disk, directory, tableId: 't', generation: index + 1, partitions: sorted, blockBytes: 700 });
    readers.push(await SSTableReader.open(disk, descriptor));
  }
  return readers;
}

describe('compaction', () => {
  it('equals the merged and purged union of overlapping sstables', async () => {
    const random = new TestRandom(21);
    const keys = Array.from({ length: 120 }, () => ({ key: random.bytes(6), token: random.token() }));
    const sets: Partition[][] = [[], [], []];
    for (const { key, token } of keys) {
      for (const set of sets) if (random.chance(0.6)) set.push(makePartition(random, { key, token, rowsMax: 30 }));
    }
    const disk = new SimulatedDisk();
    await disk.makeDirectory(directory);
    const inputs = await writeAll(disk, sets);
    const nowSeconds = 1_700_000_400;
    const gcBeforeSeconds = 1_700_000_300;
    const descriptor = await compact({ disk, directory, tableId: 't', inputs, outputGeneration: 4, nowSeconds, gcBeforeSeconds, blockBytes: 900 });
    const expected: Partition[] = [];
    for (const { key, token } of [...keys].sort(comparePartitions)) {
      const versions = sets.flatMap((set) => set.filter((p) => p.key.equals(key)));
      if (versions.length === 0) continue;
      const purged = purgePartition(mergePartitions(versions), { nowSeconds, gcBeforeSeconds });
      if (!isEmptyPartition(purged)) expected.push(purged);
      void token;
    }
    const output = await SSTableReader.open(disk, descriptor);
    assert.deepEqual(await collect(output.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN })), expected);
    assert.equal(output.metadata.partitionCount, expected.length);
    assert.ok(expected.length > 50);
  });

  it('purges expired TTLs, old tombstones and shadowed data', async () => {
    const key = Buffer.from('k');
    const token = 5n;
    const live = (column: string, ts: number, value: string) => ({ column, timestampMicros: ts, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) });
    const older: Partition = {
      key, token, partitionDeletion: null, rangeTombstones: [],
      rows: [
        { clustering: Buffer.from([1]), liveness: null, deletion: null, cells: [live('a', 10, 'old'), { column: 'b', timestampMicros: 10, ttlSeconds: 100, localDeletionTime: 1000, value: Buffer.from('ttl') }] },
        { clustering: Buffer.from([2]), liveness: null, deletion: null, cells: [live('a', 10, 'deleted by range')] },
        { clustering: Buffer.from([3]), liveness: null, deletion: null, cells: [{ column: 'a', timestampMicros: 5, ttlSeconds: 0, localDeletionTime: 500, value: null }] },
      ],
    };
    const newer: Partition = {
      key, token, partitionDeletion: null,
      rangeTombstones: [{ start: Buffer.from([1, 0xff]), end: Buffer.from([2, 0]), deletion: { markedForDeleteAtMicros: 20, localDeletionTime: 2000 } }],
      rows: [{ clustering: Buffer.from([1]), liveness: null, deletion: null, cells: [live('a', 30, 'new')] }],
    };
    const gone: Partition = { key: Buffer.from('gone'), token: 9n, partitionDeletion: { markedForDeleteAtMicros: 1, localDeletionTime: 100 }, rangeTombstones: [], rows: [] };
    const disk = new SimulatedDisk();
    await disk.makeDirectory(directory);
    const inputs = await writeAll(disk, [[older, gone], [newer]]);
    // now = 1500: the ttl cell (expires at 1000) is expired; gcBefore = 1200 drops tombstones deleted before it.
    const descriptor = await compact({ disk, directory, tableId: 't', inputs, outputGeneration: 3, nowSeconds: 1500, gcBeforeSeconds: 1200 });
    const output = await SSTableReader.open(disk, descriptor);
    const result = await collect(output.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN }));
    assert.equal(result.length, 1);
    const [partition] = result as [Partition];
    assert.deepEqual(partition.rangeTombstones, newer.rangeTombstones);
    // Row 1: the newer 'a' wins; the expired 'b' became a tombstone deleted at 900, before gcBefore: gone.
    // Row 2: shadowed by the range tombstone. Row 3: its tombstone is older than gcBefore.
    assert.deepEqual(partition.rows, [{ clustering: Buffer.from([1]), liveness: null, deletion: null, cells: [live('a', 30, 'new')] }]);
    for (const input of inputs) await input.delete();
    assert.deepEqual(await disk.list(directory), ['sstable-3.db']);
  });
});

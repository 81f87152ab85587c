import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimulatedDisk } from '../../../../test/harness/simulated-disk.js';
import { CorruptionError } from '../../common/errors.js';
import { MIN_TOKEN, type Partition, type PartitionPosition, type Row } from '../types.js';
import {
  FULL_SLICE, TestRandom, comparePartitionToPosition, expectedSlice, makePartitions, positionOf, randomSlices,
} from './fixtures.test.js';
import { BlockCache, SSTableReader, isTemporarySSTableFile, listSSTables, writeSSTable } from './index.js';

const directory = 'data/ks/t1';

async function setup(partitions: Partition[], options: { blockBytes?: number; generation?: number } = {}) {
  const disk = new SimulatedDisk();
  await disk.makeDirectory(directory);
  const descriptor = await writeSSTable({
    disk, directory, tableId: 'table-1', generation: options.generation ?? 1, partitions, blockBytes: options.blockBytes ?? 1024,
  });
  const reader = await SSTableReader.open(disk, descriptor, { blockCache: new BlockCache({ bytesMax: 64 * 1024 }) });
  return { disk, descriptor, reader };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('sstable round trip', () => {
  it('reads back every partition with random slices, both directions', async () => {
    const random = new TestRandom(7);
    const partitions = makePartitions(random, { count: 300, rowsMax: 12, wideCount: 4, wideRows: 1500 });
    const { reader, descriptor } = await setup(partitions);
    assert.equal(descriptor.metadata.partitionCount, partitions.length);
    assert.equal(descriptor.metadata.rowCount, partitions.reduce((n, p) => n + p.rows.length, 0));
    assert.equal(reader.generation, 1);
    for (const partition of partitions) {
      const rounds = partition.rows.length > 100 ? 40 : 3;
      for (let round = 0; round < rounds; round++) {
        const slices = round === 0 ? [FULL_SLICE] : randomSlices(random);
        const reversed = random.chance(0.5);
        const actual = await reader.readPartition(partition.key, partition.token, { slices, reversed });
        assert.deepEqual(actual, expectedSlice(partition, slices));
      }
    }
  });

  it('yields row batches in the requested direction and stops early', async () => {
    const random = new TestRandom(11);
    const partitions = makePartitions(random, { count: 5, rowsMax: 3, wideCount: 1, wideRows: 3000 });
    const wide = partitions.reduce((a, b) => (a.rows.length > b.rows.length ? a : b));
    const { reader } = await setup(partitions, { blockBytes: 512 });
    const found = await reader.openPartition(wide.key, wide.token);
    assert.ok(found !== null);
    const descending: Row[] = (await collect(found.rowBatches({ slices: [FULL_SLICE], reversed: true }))).flat();
    assert.deepEqual(descending, [...wide.rows].reverse());
    // Reading only the first batch of a reversed read touches just the last block.
    const cache = new BlockCache({ bytesMax: 1 << 20 });
    const { disk, descriptor } = await setup(partitions, { blockBytes: 512 });
    const fresh = await SSTableReader.open(disk, descriptor, { blockCache: cache });
    const again = await fresh.openPartition(wide.key, wide.token);
    assert.ok(again !== null);
    for await (const batch of again.rowBatches({ slices: [FULL_SLICE], reversed: true })) {
      assert.deepEqual(batch[0], wide.rows[wide.rows.length - 1]);
      break;
    }
    assert.ok(cache.size <= 3, `a limited reversed read should touch few blocks, touched ${cache.size}`);
  });

  it('scans random (start, end] ranges', async () => {
    const random = new TestRandom(3);
    const partitions = makePartitions(random, { count: 400, rowsMax: 6, wideCount: 2, wideRows: 800 });
    const { reader } = await setup(partitions);
    const randomPosition = (): PartitionPosition => {
      const pick = partitions[random.int(partitions.length)] as Partition;
      const choice = random.int(3);
      if (choice === 0) return positionOf(pick);
      if (choice === 1) return { token: pick.token };
      return { token: random.token() };
    };
    for (let round = 0; round < 60; round++) {
      let start = randomPosition();
      let end = randomPosition();
      if (round === 0) start = { token: MIN_TOKEN };
      if (round === 1) end = { token: MIN_TOKEN };
      const unbounded = end.key === undefined && end.token === MIN_TOKEN;
      const expected = partitions.filter((p) => comparePartitionToPosition(p, start) > 0 && (unbounded || comparePartitionToPosition(p, end) <= 0));
      assert.deepEqual(await collect(reader.scan(start, end)), expected, `round ${round}`);
    }
  });

  it('reports absent keys as absent and bounds tokens', async () => {
    const random = new TestRandom(5);
    const partitions = makePartitions(random, { count: 200, rowsMax: 2 });
    const { reader } = await setup(partitions);
    const first = partitions[0] as Partition;
    assert.equal(reader.minToken, first.token);
    assert.equal(reader.maxToken, (partitions[partitions.length - 1] as Partition).token);
    assert.equal(reader.mayContain(first.key, first.token - 1n), false);
    for (let i = 0; i < 200; i++) {
      const token = random.token();
      assert.equal(await reader.readPartition(random.bytes(4), token, { slices: [FULL_SLICE], reversed: false }), null);
    }
    // Same token, different key.
    assert.equal(await reader.readPartition(Buffer.from('absent'), first.token, { slices: [FULL_SLICE], reversed: false }), null);
  });

  it('holds rows larger than a block, with default block size', async () => {
    const random = new TestRandom(13);
    const partitions = makePartitions(random, { count: 40, rowsMax: 4, wideCount: 1, wideRows: 300 });
    const big = partitions.find((p) => p.rows.length >= 3 && p.rows.length < 100);
    assert.ok(big !== undefined);
    big.rows = big.rows.map((r, i) => ({ ...r, cells: [{ column: 'a', timestampMicros: 1, ttlSeconds: 0, localDeletionTime: 0x7fffffff, value: Buffer.alloc(150_000 + i, i) }] }));
    const disk = new SimulatedDisk();
    await disk.makeDirectory(directory);
    const descriptor = await writeSSTable({ disk, directory, tableId: 't', generation: 2, partitions });
    const reader = await SSTableReader.open(disk, descriptor);
    assert.deepEqual(await collect(reader.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN })), partitions);
    for (const p of partitions) {
      const slices = randomSlices(random);
      assert.deepEqual(await reader.readPartition(p.key, p.token, { slices, reversed: true }), expectedSlice(p, slices));
    }
  });

  it('writes and reads an empty sstable', async () => {
    const { reader } = await setup([]);
    assert.equal(reader.metadata.partitionCount, 0);
    assert.equal(reader.mayContain(Buffer.from('k'), 0n), false);
    assert.deepEqual(await collect(reader.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN })), []);
  });

  it('records metadata bounds', async () => {
    const random = new TestRandom(9);
    const partitions = makePartitions(random, { count: 50, rowsMax: 5 });
    const { descriptor } = await setup(partitions);
    const timestamps: number[] = [];
    for (const p of partitions) {
      if (p.partitionDeletion !== null) timestamps.push(p.partitionDeletion.markedForDeleteAtMicros);
      for (const t of p.rangeTombstones) timestamps.push(t.deletion.markedForDeleteAtMicros);
      for (const r of p.rows) {
        if (r.liveness !== null) timestamps.push(r.liveness.timestampMicros);
        if (r.deletion !== null) timestamps.push(r.deletion.markedForDeleteAtMicros);
        for (const c of r.cells) timestamps.push(c.timestampMicros);
      }
    }
    assert.equal(descriptor.metadata.minTimestampMicros, Math.min(...timestamps));
    assert.equal(descriptor.metadata.maxTimestampMicros, Math.max(...timestamps));
    assert.equal(descriptor.metadata.tableId, 'table-1');
    assert.ok(descriptor.metadata.dataBytes > 0 && descriptor.metadata.dataBytes < descriptor.sizeBytes);
  });
});

describe('sstable files', () => {
  it('names temporaries apart and lists published sstables', async () => {
    assert.equal(isTemporarySSTableFile('sstable-12.db.tmp'), true);
    assert.equal(isTemporarySSTableFile('sstable-12.db'), false);
    const random = new TestRandom(1);
    const { disk } = await setup(makePartitions(random, { count: 3, rowsMax: 1 }), { generation: 12 });
    assert.deepEqual(await listSSTables(disk, directory), [{ generation: 12, path: `${directory}/sstable-12.db` }]);
  });

  it('leaves no visible sstable after a crash in the middle of a write', async () => {
    const random = new TestRandom(2);
    const partitions = makePartitions(random, { count: 200, rowsMax: 8 });
    for (const crashAfter of [0, 1, 50, 199]) {
      const disk = new SimulatedDisk({ seed: crashAfter + 1 });
      await disk.makeDirectory(directory);
      async function* crashing(): AsyncGenerator<Partition> {
        for (const [index, partition] of partitions.entries()) {
          if (index === crashAfter) disk.crash({ tornWrites: true });
          yield partition;
        }
      }
      await assert.rejects(writeSSTable({ disk, directory, tableId: 't', generation: 3, partitions: crashing(), blockBytes: 512 }));
      assert.deepEqual(await listSSTables(disk, directory), []);
      assert.ok((await disk.list(directory)).every(isTemporarySSTableFile));
    }
  });

  it('a crash after the write keeps a complete sstable', async () => {
    const random = new TestRandom(4);
    const partitions = makePartitions(random, { count: 100, rowsMax: 4 });
    const { disk } = await setup(partitions);
    disk.crash();
    const reader = await SSTableReader.open(disk, `${directory}/sstable-1.db`);
    assert.deepEqual(await collect(reader.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN })), partitions);
  });

  it('delete removes the file', async () => {
    const { disk, reader } = await setup(makePartitions(new TestRandom(6), { count: 3, rowsMax: 1 }));
    await reader.delete();
    assert.deepEqual(await disk.list(directory), []);
  });
});

describe('sstable corruption', () => {
  it('flipping any byte gives CorruptionError naming the file, never wrong data', async () => {
    const random = new TestRandom(8);
    const partitions = makePartitions(random, { count: 12, rowsMax: 6, wideCount: 1, wideRows: 40 });
    const { disk, descriptor } = await setup(partitions, { blockBytes: 256 });
    const original = disk.contents(descriptor.path);
    await readEverything(disk, descriptor.path, partitions);
    const step = Math.max(1, Math.floor(original.length / 500));
    for (let position = 0; position < original.length; position += step) {
      disk.corrupt(descriptor.path, position, (b) => b ^ (1 << random.int(8)));
      const error = await readEverything(disk, descriptor.path, partitions).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof CorruptionError, `flip at ${position} of ${original.length}: ${String(error)}`);
      assert.equal(error.path, descriptor.path);
      disk.corrupt(descriptor.path, position, () => original[position] as number);
    }
  });

  it('a truncated file gives CorruptionError', async () => {
    const { disk, descriptor } = await setup(makePartitions(new TestRandom(12), { count: 5, rowsMax: 2 }));
    const bytes = disk.contents(descriptor.path);
    const file = await disk.openAppend(`${directory}/sstable-9.db`);
    await file.append(bytes.subarray(0, bytes.length - 7));
    await assert.rejects(SSTableReader.open(disk, `${directory}/sstable-9.db`), CorruptionError);
  });
});

async function readEverything(disk: SimulatedDisk, path: string, partitions: Partition[]): Promise<void> {
  const reader = await SSTableReader.open(disk, path, { blockCache: new BlockCache({ bytesMax: 0 }) });
  try {
    const scanned = await collect(reader.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN }));
    assert.deepEqual(scanned, partitions);
    for (const p of partitions) {
      const read = await reader.readPartition(p.key, p.token, { slices: [FULL_SLICE], reversed: false });
      assert.deepEqual(read, p);
      const reversed = await reader.readPartition(p.key, p.token, { slices: [FULL_SLICE], reversed: true });
      assert.deepEqual(reversed, p);
    }
  } finally {
    await reader.close();
  }
}


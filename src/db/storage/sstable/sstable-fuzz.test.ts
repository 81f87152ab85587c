// Fuzzing the sstable reader: a real sstable written by the writer on the simulated disk, then
// copies of it with random bytes overwritten, bit flips, truncations, extensions and cut-out
// runs. Opening and reading (full scans, range scans, point reads with random slices, both
// directions) must return exactly the written data or throw CorruptionError: never another
// exception, never wrong rows without an error (the checksums cover every byte of the file).
// AERO_FUZZ_ITERATIONS sets the number of corrupted copies (default 20,000); AERO_FUZZ_SEED the seed.

import test from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../../test/harness/simulated-disk.js';
import { SeededRandom } from '../../../../test/harness/seeded-random.js';
import { CorruptionError } from '../../common/errors.js';
import { MIN_TOKEN, type Partition, type PartitionPosition } from '../types.js';
import { FULL_SLICE, TestRandom, comparePartitionToPosition, expectedSlice, makePartitions, positionOf, randomSlices } from './fixtures.test.js';
import { BlockCache, SSTableReader, writeSSTable } from './index.js';

const ITERATIONS = Number(process.env['AERO_FUZZ_ITERATIONS'] ?? 20_000);
const SEED = Number(process.env['AERO_FUZZ_SEED'] ?? 0x14f3);
const directory = 'data/ks/t1';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function corrupt(original: Buffer, random: SeededRandom): Buffer {
  const out = Buffer.from(original);
  const at = () => random.nextInt(out.length);
  switch (random.nextInt(6)) {
    case 0: { const i = at(); out[i] = out[i]! ^ (1 << random.nextInt(8)); return out; }
    case 1: for (let n = 0; n < 1 + random.nextInt(8); n++) out[at()] = random.nextInt(256); return out;
    case 2: return out.subarray(0, at());
    case 3: return Buffer.concat([out, random.bytes(1 + random.nextInt(64))]);
    case 4: { const start = at(); return Buffer.concat([out.subarray(0, start), out.subarray(start + 1 + random.nextInt(32))]); }
    default: { // a run of 0x00 or 0xff (a zeroed or erased sector)
      const start = at();
      out.fill(random.nextInt(2) === 0 ? 0 : 0xff, start, Math.min(out.length, start + 1 + random.nextInt(512)));
      return out;
    }
  }
}

/** Reads the sstable in many ways; every answer must equal the model. */
async function readAndCheck(disk: SimulatedDisk, path: string, partitions: Partition[], random: TestRandom): Promise<void> {
  const reader = await SSTableReader.open(disk, path, { blockCache: new BlockCache({ bytesMax: 0 }) });
  try {
    assert.deepEqual(await collect(reader.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN })), partitions, 'full scan');
    const position = (): PartitionPosition => {
      const pick = partitions[random.int(partitions.length)]!;
      return random.chance(0.5) ? positionOf(pick) : { token: pick.token };
    };
    for (let round = 0; round < 3; round++) {
      const start = position();
      const end = position();
      const expected = partitions.filter((p) => comparePartitionToPosition(p, start) > 0 && comparePartitionToPosition(p, end) <= 0);
      assert.deepEqual(await collect(reader.scan(start, end)), expected, 'range scan');
    }
    for (const partition of partitions) {
      const slices = random.chance(0.5) ? [FULL_SLICE] : randomSlices(random);
      const reversed = random.chance(0.5);
      assert.deepEqual(await reader.readPartition(partition.key, partition.token, { slices, reversed }), expectedSlice(partition, slices), 'point read');
    }
    assert.equal(await reader.readPartition(Buffer.from('no such key'), partitions[0]!.token, { slices: [FULL_SLICE], reversed: false }), null, 'missing key');
  } finally {
    await reader.close();
  }
}

test(`sstable reader: ${ITERATIONS} corrupted copies of a real sstable (seed ${SEED})`, async (t) => {
  const random = new SeededRandom(SEED);
  const partitions = makePartitions(new TestRandom(SEED), { count: 10, rowsMax: 5, wideCount: 1, wideRows: 40 });
  const disk = new SimulatedDisk();
  await disk.makeDirectory(directory);
  const descriptor = await writeSSTable({ disk, directory, tableId: 'table-1', generation: 1, partitions, blockBytes: 256 });
  const original = disk.contents(descriptor.path);
  await readAndCheck(disk, descriptor.path, partitions, new TestRandom(1));
  const outcomes = { intact: 0, refused: 0 };
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const bytes = corrupt(original, random);
    const path = `${directory}/sstable-${iteration + 2}.db`;
    const file = await disk.openAppend(path);
    await file.append(bytes);
    await file.close();
    try {
      await readAndCheck(disk, path, partitions, new TestRandom(iteration + 1));
      outcomes.intact++;
    } catch (error) {
      const where = `seed ${SEED} iteration ${iteration} (${bytes.length} of ${original.length} bytes, first difference at ${firstDifference(original, bytes)})`;
      if (!(error instanceof CorruptionError)) assert.fail(`${String(error)} at ${where}`);
      assert.equal(error.path, path, where);
      outcomes.refused++;
    }
    await disk.remove(path);
  }
  t.diagnostic(`refused ${outcomes.refused}, read back intact ${outcomes.intact}`);
  // A change of the file that still reads back correctly can only be an extension past the end the footer names.
  assert.ok(outcomes.refused > ITERATIONS / 2, `refused ${outcomes.refused}, intact ${outcomes.intact}`);
});

function firstDifference(a: Buffer, b: Buffer): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}

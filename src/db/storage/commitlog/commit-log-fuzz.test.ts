// Fuzzing commit-log replay: segments written by the real CommitLog on the simulated disk, then
// one segment corrupted (bytes overwritten or flipped, a run zeroed, cut out, truncated, extended)
// and the log reopened. Every segment must replay a prefix of the batches written to it, each
// batch whole (never one that was not written, never part of one); a segment that replays short
// reports a CorruptionError with its file and an offset inside it (unless it was cut exactly
// at an entry boundary, which is a crash before the next append); untouched segments replay whole.
// AERO_FUZZ_ITERATIONS sets the number of corrupted logs (default 3,000); AERO_FUZZ_SEED the seed.

import test from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../../test/harness/simulated-disk.js';
import { SeededRandom } from '../../../../test/harness/seeded-random.js';
import { CorruptionError } from '../../common/errors.js';
import { silentLogger, type Clock } from '../../common/world.js';
import { encodeMutationBatch } from '../mutation-serializer.js';
import { TestRandom, makePartitions } from '../sstable/fixtures.test.js';
import type { Mutation } from '../types.js';
import { CommitLog, readAllForReplay, type CommitLogOptions } from './commit-log.js';
import { segmentFileName } from './segment-format.js';

const ITERATIONS = Number(process.env['AERO_FUZZ_ITERATIONS'] ?? 3_000);
const SEED = Number(process.env['AERO_FUZZ_SEED'] ?? 0x14a4);
const directory = 'commitlog';

const clock: Clock = { nowMs: () => 0, nowMicros: () => 0, monotonicMs: () => 0, setTimer: () => ({ cancel() {} }), sleep: async () => {} };
const options = (disk: SimulatedDisk): CommitLogOptions =>
  ({ disk, clock, logger: silentLogger, directory, syncMode: 'batch', syncPeriodMs: 10, segmentBytes: 2048 });

function corrupt(original: Buffer, random: SeededRandom): Buffer {
  const out = Buffer.from(original);
  const at = () => random.nextInt(Math.max(1, out.length));
  switch (random.nextInt(7)) {
    case 0: { const i = at(); out[i] = out[i]! ^ (1 << random.nextInt(8)); return out; }
    case 1: for (let n = 0; n < 1 + random.nextInt(8); n++) out[at()] = random.nextInt(256); return out;
    case 2: return out.subarray(0, at());
    case 3: return Buffer.concat([out, random.nextInt(2) === 0 ? Buffer.alloc(1 + random.nextInt(64)) : random.bytes(1 + random.nextInt(64))]);
    case 4: { const start = at(); return Buffer.concat([out.subarray(0, start), out.subarray(start + 1 + random.nextInt(32))]); }
    case 5: { const start = at(); out.fill(random.nextInt(2) === 0 ? 0 : 0xff, start, Math.min(out.length, start + 1 + random.nextInt(256))); return out; }
    default: { // a huge length where an entry header may be
      if (out.length < 4) return out;
      out.writeUInt32BE(random.nextInt(2) === 0 ? 0xffffffff : 0x7fffffff, random.nextInt(out.length - 3));
      return out;
    }
  }
}

test(`commit-log replay: ${ITERATIONS} corrupted logs (seed ${SEED})`, async (t) => {
  const random = new SeededRandom(SEED);
  const disk = new SimulatedDisk();
  const { log } = await CommitLog.open(options(disk));
  const written = new Map<number, Mutation[][]>();
  const partitions = makePartitions(new TestRandom(SEED), { count: 60, rowsMax: 3 });
  for (let index = 0; index < 30; index++) {
    const batch = partitions.slice(index * 2, index * 2 + 1 + random.nextInt(2)).map((p) => ({ ...p, keyspace: 'ks', tableId: `t${index % 3}` }));
    const id = await log.add(encodeMutationBatch(batch), batch.length);
    log.reference(id.segmentId, 'memtable'); // unflushed: every segment stays for replay
    await log.settle(id);
    written.set(id.segmentId, [...(written.get(id.segmentId) ?? []), batch]);
  }
  await log.close();
  const segments = [...written.keys()].map((id) => ({ id, name: segmentFileName(id), bytes: disk.contents(`${directory}/${segmentFileName(id)}`) }));
  assert.ok(segments.length >= 3, `only ${segments.length} segments`);
  const outcomes = { whole: 0, short: 0 };
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const victim = segments[random.nextInt(segments.length)]!;
    const copy = new SimulatedDisk();
    await copy.makeDirectory(directory);
    let changed: Buffer = Buffer.alloc(0);
    for (const segment of segments) {
      const bytes = segment === victim ? (changed = corrupt(segment.bytes, random)) : segment.bytes;
      const file = await copy.openAppend(`${directory}/${segment.name}`);
      await file.append(bytes);
      await file.close();
    }
    const where = `seed ${SEED} iteration ${iteration}, segment ${victim.name} (${changed.length} of ${victim.bytes.length} bytes)`;
    let replay;
    try {
      replay = await readAllForReplay((await CommitLog.open(options(copy))).replay);
    } catch (error) {
      assert.fail(`open threw ${String(error)}: ${where}`);
    }
    assert.deepEqual(replay.map((s) => s.id), segments.map((s) => s.id), where);
    for (const [index, segment] of replay.entries()) {
      const expected = written.get(segment.id)!;
      assert.ok(segment.batches.length <= expected.length, `more batches than written: ${where}`);
      assert.deepEqual(segment.batches, expected.slice(0, segment.batches.length), `not a prefix of the written batches: ${where}`);
      if (segments[index] !== victim) {
        assert.equal(segment.batches.length, expected.length, `an untouched segment replayed short: ${where}`);
        assert.equal(segment.corruption, null, where);
        continue;
      }
      if (segment.batches.length < expected.length) {
        outcomes.short++;
        // A cut exactly at an entry boundary looks like a crash before the next append: nothing to report.
        if (segment.corruption === null && changed.length < victim.bytes.length && victim.bytes.subarray(0, changed.length).equals(changed)) continue;
        assert.ok(segment.corruption instanceof CorruptionError, `a short replay without a CorruptionError (${String(segment.corruption)}): ${where}`);
        assert.equal(segment.corruption.path, `${directory}/${victim.name}`, where);
        assert.ok(segment.corruption.offset >= 0 && segment.corruption.offset <= changed.length, `offset ${segment.corruption.offset}: ${where}`);
      } else {
        outcomes.whole++;
        assert.ok(segment.corruption === null || segment.corruption instanceof CorruptionError, where);
      }
    }
  }
  t.diagnostic(`corrupted segment replayed short ${outcomes.short}, whole ${outcomes.whole}`);
});

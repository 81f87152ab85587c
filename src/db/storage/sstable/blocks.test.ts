import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptionError } from '../../common/errors.js';
import { DataBlock, PartitionIndexBlock } from './blocks.js';
import { ByteReader, ByteWriter } from './bytes.js';
import {
  type PartitionIndexEntry, decodePartitionIndex, readUnits, writePartitionEnd, writePartitionIndexEntry, writePartitionStart, writeRow,
} from './codec.js';
import { UnitKind } from './format.js';
import { TestRandom, makePartition } from './fixtures.test.js';

const where = { path: 'f', offset: 0 };

describe('indexed sstable blocks', () => {
  const random = new TestRandom(77);
  const partitions = [makePartition(random, { rowsMax: 5 }), makePartition(random, { rowsMax: 5 })];
  const first = partitions[0];
  assert.ok(first !== undefined);
  first.partitionDeletion = { markedForDeleteAtMicros: 5, localDeletionTime: 6 };
  first.rangeTombstones = [{ start: Buffer.from([1]), end: Buffer.from([2]), deletion: { markedForDeleteAtMicros: 7, localDeletionTime: 8 } }];
  const out = new ByteWriter(16);
  for (const partition of partitions) {
    writePartitionStart(out, partition);
    for (const row of partition.rows) writeRow(out, row);
    writePartitionEnd(out);
  }
  const bytes = Buffer.from(out.view());

  it('a data block decodes each unit on demand exactly as a whole-block decode', () => {
    const units = readUnits(new ByteReader(bytes, where));
    const block = DataBlock.index(bytes, where);
    assert.equal(block.length, units.length);
    units.forEach((unit, index) => {
      assert.equal(block.kindAt(index), unit.kind);
      if (unit.kind === UnitKind.Row) {
        assert.deepEqual(block.rowAt(index), unit.row);
        assert.deepEqual(block.clusteringViewAt(index), unit.row.clustering);
      } else if (unit.kind === UnitKind.PartitionStart) {
        assert.deepEqual(block.partitionHeaderAt(index), unit.header);
        assert.throws(() => block.rowAt(index), CorruptionError);
      }
    });
    assert.equal(block.kindAt(units.length), undefined);
  });

  it('blocks of many units, and blocks indexed one after another, keep their own unit tables', () => {
    // Over 64 KiB and over 1,024 units: the unit tables grow as the walk goes.
    const many = Array.from({ length: 12 }, () => makePartition(random, { rowsMax: 200 }));
    const writer = new ByteWriter(16);
    for (const partition of many) {
      writePartitionStart(writer, partition);
      for (const row of partition.rows) writeRow(writer, { ...row, cells: row.cells.map((cell) => ({ ...cell, value: cell.value === null ? null : Buffer.alloc(40, 7) })) });
      writePartitionEnd(writer);
    }
    const big = Buffer.from(writer.view());
    const bigUnits = readUnits(new ByteReader(big, where));
    assert.ok(big.length > 64 * 1024 && bigUnits.length > 1024, `${big.length} bytes, ${bigUnits.length} units`);
    const small = DataBlock.index(bytes, where);
    const large = DataBlock.index(big, where);
    const again = DataBlock.index(bytes, where);
    assert.equal(large.length, bigUnits.length);
    bigUnits.forEach((unit, index) => {
      assert.equal(large.kindAt(index), unit.kind);
      if (unit.kind === UnitKind.Row) assert.deepEqual(large.rowAt(index), unit.row);
    });
    const units = readUnits(new ByteReader(bytes, where));
    for (const block of [small, again]) {
      assert.equal(block.length, units.length);
      units.forEach((unit, index) => {
        assert.equal(block.kindAt(index), unit.kind);
        if (unit.kind === UnitKind.Row) assert.deepEqual(block.rowAt(index), unit.row);
      });
    }
  });

  it('a data block cut short or with a bad unit kind is corrupt', () => {
    for (let length = 1; length < bytes.length; length++) {
      try {
        void DataBlock.index(bytes.subarray(0, length), where).length;
      } catch (error) {
        assert.ok(error instanceof CorruptionError, String(error));
        continue;
      }
      // A cut between units is a valid (shorter) stream: it must index as a prefix.
      const units = readUnits(new ByteReader(bytes.subarray(0, length), where));
      assert.equal(DataBlock.index(bytes.subarray(0, length), where).length, units.length);
    }
    assert.throws(() => DataBlock.index(Buffer.from([9]), where).length, CorruptionError);
    // Indexing is lazy: a unit before the malformed one reads, the malformed one throws when reached.
    const tail = Buffer.concat([bytes, Buffer.from([9])]);
    const lazy = DataBlock.index(tail, where);
    const units = readUnits(new ByteReader(bytes, where));
    assert.equal(lazy.kindAt(0), units[0]?.kind);
    assert.throws(() => lazy.kindAt(units.length), CorruptionError);
  });

  it('a partition index block finds entries by (token, key) in place', () => {
    const entries: PartitionIndexEntry[] = [];
    for (let index = 0; index < 50; index++) {
      const token = BigInt(index >> 1) * 1000n - 20_000n;
      entries.push({
        key: Buffer.from(`k${index}`), token, start: { block: { offset: index * 10, length: 10 }, unitIndex: index },
        rowIndex: index % 3 === 0 ? { offset: 900 + index, length: 20 } : null,
      });
    }
    const writer = new ByteWriter();
    for (const entry of entries) writePartitionIndexEntry(writer, entry);
    const payload = Buffer.from(writer.view());
    assert.deepEqual(decodePartitionIndex(new ByteReader(payload, where)), entries);
    const block = PartitionIndexBlock.index(payload, where);
    assert.equal(block.length, entries.length);
    entries.forEach((entry, index) => {
      assert.deepEqual(block.find(entry), entry);
      assert.deepEqual(block.firstAfter(entry), entries[index + 1] ?? null);
      assert.deepEqual(block.firstAfter({ token: entry.token }), entries.find((other) => other.token === entry.token));
    });
    assert.equal(block.find({ token: 0n, key: Buffer.from('k0') }), null);
    assert.equal(block.find({ token: -20_000n, key: Buffer.from('k00') }), null);
    assert.deepEqual(block.firstAfter({ token: -30_000n }), entries[0]);
    assert.throws(() => PartitionIndexBlock.index(payload.subarray(0, payload.length - 1), where), CorruptionError);
  });

  it('a partition index block compares whole 64-bit tokens, across the sign and the 32-bit halves', () => {
    const two32 = 1n << 32n;
    const tokens = [-(1n << 63n), -two32 - 1n, -two32, -two32 + 1n, -1n, 0n, 1n, two32 - 1n, two32, two32 + 1n, (1n << 63n) - 1n];
    const entries: PartitionIndexEntry[] = tokens.flatMap((token, index) => ['a', 'b'].map((suffix) => ({
      key: Buffer.from(`k${index}${suffix}`), token, start: { block: { offset: index * 10, length: 10 }, unitIndex: index }, rowIndex: null,
    })));
    const writer = new ByteWriter();
    for (const entry of entries) writePartitionIndexEntry(writer, entry);
    const block = PartitionIndexBlock.index(Buffer.from(writer.view()), where);
    for (const entry of entries) assert.deepEqual(block.find(entry), entry);
    for (const token of tokens) {
      assert.equal(block.find({ token, key: Buffer.from('k') }), null, 'a key before both of the token');
      assert.equal(block.find({ token, key: Buffer.from('z') }), null, 'a key after both of the token');
    }
    for (const token of [-two32 + 2n, 2n, two32 + 2n, -(1n << 63n) + 1n]) assert.equal(block.find({ token, key: Buffer.from('k0a') }), null);
  });
});

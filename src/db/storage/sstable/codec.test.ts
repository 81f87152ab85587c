import { NO_DELETION_TIME } from '../types.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptionError } from '../../common/errors.js';
import { ByteReader, ByteWriter } from './bytes.js';
import {
  type PartitionIndexEntry, decodePartitionIndex, decodeRowIndex, decodeSummary, encodeRowIndex, encodeSummary,
  readUnits, writePartitionEnd, writePartitionIndexEntry, writePartitionStart, writeRow,
} from './codec.js';
import { FOOTER_BYTES, decodeFooter, encodeFooter, BlockKind, decodeBlock, encodeBlock, FORMAT_VERSION } from './format.js';
import { decodeMetadata, encodeMetadata, MetadataCollector } from './metadata.js';
import { TestRandom, makePartition } from './fixtures.test.js';

/** Every strict prefix must fail with CorruptionError, or (streams) decode to a prefix of the whole. */
function checkPrefixes<T>(bytes: Buffer, decode: (input: ByteReader) => T[], options: { stream: boolean }): void {
  const whole = decode(new ByteReader(bytes, { path: 'f', offset: 0 }));
  for (let length = 0; length < bytes.length; length++) {
    let decoded: T[] | null = null;
    try {
      decoded = decode(new ByteReader(bytes.subarray(0, length), { path: 'f', offset: 0 }));
    } catch (error) {
      assert.ok(error instanceof CorruptionError, `prefix ${length}: ${String(error)}`);
      continue;
    }
    assert.ok(options.stream, `prefix ${length} of a fixed section decoded`);
    assert.deepEqual(decoded, whole.slice(0, decoded.length));
  }
}

describe('sstable codecs', () => {
  const random = new TestRandom(31);
  const partition = makePartition(random, { rowsMax: 6 });
  partition.partitionDeletion = { markedForDeleteAtMicros: 5, localDeletionTime: 6 };
  partition.rangeTombstones = [{ start: Buffer.from([1]), end: Buffer.from([2]), deletion: { markedForDeleteAtMicros: 7, localDeletionTime: 8 } }];

  it('data units decode whole and fail or stop cleanly at every split point', () => {
    const out = new ByteWriter(16);
    writePartitionStart(out, partition);
    for (const row of partition.rows) writeRow(out, row);
    writePartitionEnd(out);
    const bytes = Buffer.from(out.view());
    const units = readUnits(new ByteReader(bytes, { path: 'f', offset: 0 }));
    assert.equal(units.length, partition.rows.length + 2);
    assert.deepEqual(units.slice(1, -1).map((u) => (u as { row: unknown }).row), partition.rows);
    checkPrefixes(bytes, readUnits, { stream: true });
  });

  it('rows with cell paths (collection elements) decode whole and fail cleanly at every split point', () => {
    const elements = {
      clustering: Buffer.from([9, 0]), liveness: null, deletion: null,
      cells: [
        { column: 'a', timestampMicros: 1, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('x') },
        { column: 's', timestampMicros: 4, ttlSeconds: 0, localDeletionTime: 2, value: null },
        { column: 's', path: Buffer.from('e1'), timestampMicros: 5, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.alloc(0) },
        { column: 's', path: Buffer.from('e2'), timestampMicros: 6, ttlSeconds: 0, localDeletionTime: 7, value: null },
      ],
    };
    const out = new ByteWriter(16);
    writePartitionStart(out, partition);
    writeRow(out, elements);
    writePartitionEnd(out);
    const bytes = Buffer.from(out.view());
    const units = readUnits(new ByteReader(bytes, { path: 'f', offset: 0 }));
    assert.deepEqual((units[1] as { row: unknown }).row, elements);
    checkPrefixes(bytes, readUnits, { stream: true });
  });

  it('index entries, row index and summary round-trip and reject truncation', () => {
    const entries: PartitionIndexEntry[] = [
      { key: Buffer.from('a'), token: -5n, start: { block: { offset: 0, length: 100 }, unitIndex: 0 }, rowIndex: null },
      { key: Buffer.from('b'), token: 7n, start: { block: { offset: 100, length: 100 }, unitIndex: 3 }, rowIndex: { offset: 300, length: 40 } },
    ];
    const out = new ByteWriter();
    for (const entry of entries) writePartitionIndexEntry(out, entry);
    assert.deepEqual(decodePartitionIndex(new ByteReader(Buffer.from(out.view()), { path: 'f', offset: 0 })), entries);
    checkPrefixes(Buffer.from(out.view()), decodePartitionIndex, { stream: true });

    const rowIndex = { header: partition, entries: [{ firstClustering: Buffer.from([1, 2]), start: { block: { offset: 9, length: 99 }, unitIndex: 4 } }] };
    const { rows: _rows, ...header } = partition;
    void _rows;
    const rowIndexBytes = Buffer.from(encodeRowIndex({ header, entries: rowIndex.entries }).view());
    assert.deepEqual(decodeRowIndex(new ByteReader(rowIndexBytes, { path: 'f', offset: 0 })), { header, entries: rowIndex.entries });
    checkPrefixes(rowIndexBytes, (input) => [decodeRowIndex(input)], { stream: false });

    const summary = [{ token: 3n, key: Buffer.from('k'), indexBlock: { offset: 1, length: 20 } }];
    const summaryBytes = Buffer.from(encodeSummary(summary).view());
    assert.deepEqual(decodeSummary(new ByteReader(summaryBytes, { path: 'f', offset: 0 })), summary);
    checkPrefixes(summaryBytes, (input) => [decodeSummary(input)], { stream: false });
  });

  it('metadata, footer and block framing reject truncation and bit flips', () => {
    const collector = new MetadataCollector();
    collector.partition(partition);
    for (const row of partition.rows) collector.row(row);
    const metadata = collector.finish({ tableId: 'tbl', generation: 4, dataBytes: 1000, bloomFalsePositiveChance: 0.01, commitLogUpperBound: { segmentId: 7, offset: 4096 } });
    const metadataBytes = Buffer.from(encodeMetadata(metadata).view());
    assert.deepEqual(decodeMetadata(metadataBytes, { path: 'f', offset: 0 }), metadata);
    // Version 1 ended before the commit log bound (two 8-byte fields): it reads as position zero.
    const version1 = Buffer.from(metadataBytes.subarray(0, metadataBytes.length - 16));
    version1.writeUInt16BE(1, 0);
    assert.deepEqual(decodeMetadata(version1, { path: 'f', offset: 0 }), { ...metadata, formatVersion: 1, commitLogUpperBound: { segmentId: 0, offset: 0 } });
    for (let length = 0; length < metadataBytes.length; length++) {
      assert.throws(() => decodeMetadata(metadataBytes.subarray(0, length), { path: 'f', offset: 0 }), CorruptionError);
    }
    const footer = { version: FORMAT_VERSION, summary: { offset: 10, length: 20 }, bloom: { offset: 30, length: 20 }, metadata: { offset: 50, length: 30 } };
    const footerBytes = encodeFooter(footer);
    assert.equal(footerBytes.length, FOOTER_BYTES);
    assert.deepEqual(decodeFooter(footerBytes, { path: 'f', offset: 80 }), footer);
    for (let position = 0; position < FOOTER_BYTES; position++) {
      const flipped = Buffer.from(footerBytes);
      flipped[position] = (flipped[position] as number) ^ 0x10;
      assert.throws(() => decodeFooter(flipped, { path: 'f', offset: 80 }), CorruptionError);
    }
    const block = encodeBlock(BlockKind.Data, Buffer.from('payload'));
    assert.deepEqual(decodeBlock(block, BlockKind.Data, { path: 'f', offset: 0 }), Buffer.from('payload'));
    assert.throws(() => decodeBlock(block, BlockKind.Bloom, { path: 'f', offset: 0 }), CorruptionError);
    for (let length = 0; length < block.length; length++) {
      assert.throws(() => decodeBlock(block.subarray(0, length), BlockKind.Data, { path: 'f', offset: 0 }), CorruptionError);
    }
  });
});

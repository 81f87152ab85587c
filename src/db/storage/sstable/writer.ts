// Writes one sstable from a sorted stream of partitions, with bounded memory: one data block,
// one partition index block, the row index of the current partition and the summary are held;
// everything else goes to disk as soon as a block fills (format.ts describes the layout).
// The file is written under a temporary name, synced, renamed and its directory synced, so a
// crash leaves either a complete sstable or only a `.tmp` file.

import { assert, fail } from '../../common/assert.js';
import type { Disk, DiskFile } from '../../common/world.js';
import type { Pacer } from '../pacing.js';
import { comparePartitionOrder } from '../partition.js';
import type { Partition, Row } from '../types.js';
import { BloomFilter } from './bloom.js';
import { ByteWriter } from './bytes.js';
import {
  type PartitionHeader, type PartitionIndexEntry, type RowIndexEntry, type SummaryEntry, encodeRowIndex, encodeSummary,
  writePartitionEnd, writePartitionIndexEntry, writePartitionStart, writeRow,
} from './codec.js';
import {
  type BlockPosition, BlockKind, FORMAT_VERSION, encodeBlock, encodeFooter, joinPath, sstableFileName, temporarySSTableFileName,
} from './format.js';
import { MetadataCollector, type ReplayBound, type SSTableMetadata, encodeMetadata } from './metadata.js';

export const sstableBlockBytesDefault = 16 * 1024;
export const bloomFalsePositiveChanceDefault = 0.01;

/** A published sstable: where it is and what it holds. */
export interface SSTableDescriptor {
  directory: string;
  generation: number;
  /** directory/sstable-<generation>.db */
  path: string;
  tableId: string;
  /** Size of the whole file. */
  sizeBytes: number;
  metadata: SSTableMetadata;
}

export interface WriteSSTableOptions {
  disk: Disk;
  directory: string;
  tableId: string;
  generation: number;
  /** Sorted by (token, key), each key once, rows sorted by clustering. */
  partitions: AsyncIterable<Partition> | Iterable<Partition>;
  bloomFalsePositiveChance?: number;
  /** Target size of a data or index block payload. */
  blockBytes?: number;
  /** The commit log position replay may skip below (metadata.ts); zero (replay all) by default. */
  commitLogUpperBound?: ReplayBound;
  /** Yields to the event loop between partitions and bloom filter slices (and keeps a write rate); none: no pauses. */
  pacer?: Pacer;
}

/**
 * Blocks are appended to the file this many bytes at a time: one thread-pool write per 16 KiB
 * block cost more CPU on the event loop than encoding the block (a profile of an insert load had
 * 7% of the node's CPU in those writes).
 */
const writeChunkBytes = 1024 * 1024;

/** Tokens added to the bloom filter between pacing checks (about 0.1 ms of work). */
const bloomSliceTokens = 2048;

/** A data-block unit position while its block may still be in memory (ordinal = data block number). */
interface PendingUnit {
  ordinal: number;
  unitIndex: number;
}

interface OpenPartition {
  header: PartitionHeader;
  start: PendingUnit;
  rows: Array<{ firstClustering: Buffer; at: PendingUnit }>;
  /** Positions of this partition's data blocks flushed so far, from start.ordinal on. */
  flushed: BlockPosition[];
  lastClustering: Buffer | null;
}

class SSTableWriter {
  private offset = 0;
  private readonly block = new ByteWriter(64 * 1024);
  private blockUnits = 0;
  private blockOrdinal = 0;
  private dataBytes = 0;
  private readonly index = new ByteWriter(64 * 1024);
  private indexFirst: { token: bigint; key: Buffer } | null = null;
  private readonly summary: SummaryEntry[] = [];
  /** Entries whose PARTITION_START is in the block still in memory, in partition order. */
  private pending: Array<{ key: Buffer; token: bigint; unitIndex: number }> = [];
  private tokens = new BigInt64Array(1024);
  readonly collector = new MetadataCollector();
  private current: OpenPartition | null = null;
  private previous: { token: bigint; key: Buffer } | null = null;
  /** Encoded blocks not yet appended to the file: they go out together, writeChunkBytes at a time. */
  private outgoing: Uint8Array[] = [];
  private outgoingBytes = 0;

  constructor(
    private readonly file: DiskFile,
    private readonly blockBytes: number,
  ) {}

  /** Places a block at the next offset; its bytes reach the file at the next drain. */
  private writeBlock(kind: BlockKind, payload: Uint8Array): BlockPosition {
    const block = encodeBlock(kind, payload);
    const position = { offset: this.offset, length: block.length };
    this.outgoing.push(block);
    this.outgoingBytes += block.length;
    this.offset += block.length;
    return position;
  }

  /** Appends the blocks placed so far in one write. */
  private async drain(): Promise<void> {
    if (this.outgoing.length === 0) return;
    const data = this.outgoing.length === 1 ? (this.outgoing[0] as Uint8Array) : Buffer.concat(this.outgoing, this.outgoingBytes);
    this.outgoing = [];
    this.outgoingBytes = 0;
    await this.file.append(data);
  }

  /**
   * Adds the next partition. The encoding is synchronous; the returned promise (only when the
   * blocks placed reach writeChunkBytes) appends them, so a large partition's rows are written
   * as they go and memory stays bounded.
   */
  addPartition(partition: Partition): Promise<void> | undefined {
    assert(this.previous === null || comparePartitionOrder(this.previous, partition) < 0, 'sstable partitions out of order');
    this.previous = partition;
    this.collector.partition(partition);
    this.rememberToken(partition.token);
    const header = { key: partition.key, token: partition.token, partitionDeletion: partition.partitionDeletion, rangeTombstones: partition.rangeTombstones };
    this.current = {
      header, start: { ordinal: this.blockOrdinal, unitIndex: this.blockUnits },
      rows: [], flushed: [], lastClustering: null,
    };
    writePartitionStart(this.block, partition);
    this.unitWritten();
    const rows = partition.rows;
    for (let index = 0; index < rows.length; index++) {
      this.addRow(rows[index] as Row);
      if (this.outgoingBytes >= writeChunkBytes) return this.drainThenAdd(rows, index + 1);
    }
    this.endPartition();
    return this.outgoingBytes >= writeChunkBytes ? this.drain() : undefined;
  }

  private async drainThenAdd(rows: readonly Row[], from: number): Promise<void> {
    await this.drain();
    for (let index = from; index < rows.length; index++) {
      this.addRow(rows[index] as Row);
      if (this.outgoingBytes >= writeChunkBytes) await this.drain();
    }
    this.endPartition();
    if (this.outgoingBytes >= writeChunkBytes) await this.drain();
  }

  private addRow(row: Row): void {
    const current = this.current;
    assert(current !== null, 'row outside a partition');
    assert(current.lastClustering === null || Buffer.compare(current.lastClustering, row.clustering) < 0, 'sstable rows out of order');
    current.lastClustering = row.clustering;
    this.collector.row(row);
    const last = current.rows[current.rows.length - 1];
    if (last === undefined || last.at.ordinal !== this.blockOrdinal) {
      current.rows.push({ firstClustering: row.clustering, at: { ordinal: this.blockOrdinal, unitIndex: this.blockUnits } });
    }
    writeRow(this.block, row);
    this.unitWritten();
  }

  private endPartition(): void {
    const current = this.current;
    assert(current !== null, 'no partition to end');
    writePartitionEnd(this.block);
    this.blockUnits++;
    if (current.start.ordinal === this.blockOrdinal && this.block.length < this.blockBytes) {
      // The whole partition sits in the block in memory: index it once that block is written.
      this.pending.push({ key: current.header.key, token: current.header.token, unitIndex: current.start.unitIndex });
      this.current = null;
      return;
    }
    this.flushDataBlock();
    this.current = null;
    const resolve = (at: PendingUnit) => ({ block: current.flushed[at.ordinal - current.start.ordinal] as BlockPosition, unitIndex: at.unitIndex });
    let rowIndex: BlockPosition | null = null;
    if (current.flushed.length > 1) {
      const entries: RowIndexEntry[] = current.rows.map((r) => ({ firstClustering: r.firstClustering, start: resolve(r.at) }));
      rowIndex = this.writeBlock(BlockKind.RowIndex, encodeRowIndex({ header: current.header, entries }).view());
    }
    this.addIndexEntry({ key: current.header.key, token: current.header.token, start: resolve(current.start), rowIndex });
  }

  private unitWritten(): void {
    this.blockUnits++;
    if (this.block.length >= this.blockBytes) this.flushDataBlock();
  }

  private flushDataBlock(): void {
    if (this.blockUnits === 0) return;
    // The block's bytes are copied: `this.block` is reused for the next one.
    const position = this.writeBlock(BlockKind.Data, this.block.view());
    this.dataBytes += position.length;
    this.block.reset();
    this.blockUnits = 0;
    this.blockOrdinal++;
    if (this.current !== null) this.current.flushed.push(position);
    const resolved = this.pending;
    this.pending = [];
    for (const entry of resolved) {
      this.addIndexEntry({ key: entry.key, token: entry.token, start: { block: position, unitIndex: entry.unitIndex }, rowIndex: null });
    }
  }

  private addIndexEntry(entry: PartitionIndexEntry): void {
    if (this.indexFirst === null) this.indexFirst = { token: entry.token, key: entry.key };
    writePartitionIndexEntry(this.index, entry);
    if (this.index.length >= this.blockBytes) this.flushIndexBlock();
  }

  private flushIndexBlock(): void {
    if (this.indexFirst === null) return;
    const indexBlock = this.writeBlock(BlockKind.PartitionIndex, this.index.view());
    this.summary.push({ token: this.indexFirst.token, key: this.indexFirst.key, indexBlock });
    this.index.reset();
    this.indexFirst = null;
  }

  private rememberToken(token: bigint): void {
    const count = this.collector.partitionCount;
    if (count > this.tokens.length) {
      const grown = new BigInt64Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
    }
    this.tokens[count - 1] = token;
  }

  /** Writes the index tail, summary, bloom filter, metadata and footer; returns the metadata. */
  async finish(options: { tableId: string; generation: number; bloomFalsePositiveChance: number; commitLogUpperBound: ReplayBound }, pacer?: Pacer): Promise<SSTableMetadata> {
    this.flushDataBlock();
    assert(this.pending.length === 0, 'unindexed partitions after the last flush');
    await this.flushIndexBlock();
    const summary = await this.writeBlock(BlockKind.Summary, encodeSummary(this.summary).view());
    const count = this.collector.partitionCount;
    const filter = BloomFilter.create(count, options.bloomFalsePositiveChance);
    // A compaction output holds millions of tokens: the filter is built in slices between pauses.
    for (let from = 0; from < count; from += bloomSliceTokens) {
      const to = Math.min(count, from + bloomSliceTokens);
      for (let index = from; index < to; index++) filter.add(this.tokens[index] as bigint);
      const pause = pacer?.pause(this.offset);
      if (pause) await pause;
    }
    const bloomBytes = new ByteWriter(filter.sizeBytes + 16);
    filter.encode(bloomBytes);
    const bloom = this.writeBlock(BlockKind.Bloom, bloomBytes.view());
    const metadata = this.collector.finish({ ...options, dataBytes: this.dataBytes });
    const metadataBlock = this.writeBlock(BlockKind.Metadata, encodeMetadata(metadata).view());
    const footer = encodeFooter({ version: FORMAT_VERSION, summary, bloom, metadata: metadataBlock });
    this.outgoing.push(footer);
    this.outgoingBytes += footer.length;
    this.offset += footer.length;
    await this.drain();
    return metadata;
  }

  get sizeBytes(): number {
    return this.offset;
  }
}

/** Writes an sstable and publishes it atomically; returns its descriptor. */
export async function writeSSTable(options: WriteSSTableOptions): Promise<SSTableDescriptor> {
  const blockBytes = options.blockBytes ?? sstableBlockBytesDefault;
  const bloomFalsePositiveChance = options.bloomFalsePositiveChance ?? bloomFalsePositiveChanceDefault;
  assert(Number.isInteger(blockBytes) && blockBytes >= 64, 'sstable blockBytes too small');
  const temporaryPath = joinPath(options.directory, temporarySSTableFileName(options.generation));
  const path = joinPath(options.directory, sstableFileName(options.generation));
  const file = await options.disk.openAppend(temporaryPath);
  if (!(file.size() === 0)) fail(`temporary sstable ${temporaryPath} already exists`);
  let metadata: SSTableMetadata;
  let sizeBytes: number;
  try {
    const writer = new SSTableWriter(file, blockBytes);
    const pacer = options.pacer;
    for await (const partition of options.partitions) {
      const writing = writer.addPartition(partition);
      if (writing) await writing;
      // Pulling the next partition runs the merge, purge or memtable walk that produces it: pausing here bounds those too.
      const pause = pacer?.pause(writer.sizeBytes);
      if (pause) await pause;
    }
    const commitLogUpperBound = options.commitLogUpperBound ?? { segmentId: 0, offset: 0 };
    metadata = await writer.finish({ tableId: options.tableId, generation: options.generation, bloomFalsePositiveChance, commitLogUpperBound }, pacer);
    sizeBytes = writer.sizeBytes;
    await file.sync();
  } catch (error) {
    await abandon(options.disk, file, temporaryPath);
    throw error;
  }
  await file.close();
  await options.disk.rename(temporaryPath, path);
  await options.disk.syncDirectory(options.directory);
  return { directory: options.directory, generation: options.generation, path, tableId: options.tableId, sizeBytes, metadata };
}

/** Best-effort removal of a failed write; the engine removes leftover temporaries at open anyway. */
async function abandon(disk: Disk, file: DiskFile, temporaryPath: string): Promise<void> {
  try {
    await file.close();
    await disk.remove(temporaryPath);
  } catch (cleanupError) {
    // The write's own error is what the caller needs; this one only means a leftover .tmp file.
    void cleanupError;
  }
}

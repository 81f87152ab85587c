// Reads one sstable (format.ts). Opening verifies the footer and loads the metadata, the
// summary (the sparse index: one entry per partition index block) and the bloom filter; the
// partition index, row indexes and data blocks stay on disk and pass through a bounded LRU
// (data and partition index blocks as indexed payloads that decode on demand, blocks.ts;
// row indexes decoded). Every block is checksummed on every read from disk; a mismatch or a
// malformed block throws CorruptionError naming the file and offset.

import { fail } from '../../common/assert.js';
import { CorruptionError } from '../../common/errors.js';
import type { Disk, DiskFile } from '../../common/world.js';
import { comparePartitionOrder } from '../partition.js';
import type { ClusteringSlice, Partition, PartitionPosition, Row } from '../types.js';
import { BlockCache, type CacheSegment } from './block-cache.js';
import { BloomFilter } from './bloom.js';
import { ByteReader } from './bytes.js';
import { DataBlock, PartitionIndexBlock } from './blocks.js';
import {
  type PartitionHeader, type PartitionIndexEntry, type RowIndex, type RowIndexEntry, type SummaryEntry,
  decodeRowIndex, decodeSummary,
} from './codec.js';
import {
  type BlockPosition, type Footer, BLOCK_HEADER_BYTES, BlockKind, FOOTER_BYTES, UnitKind, decodeBlock, decodeFooter, parseSSTableFileName,
} from './format.js';
import { type SSTableMetadata, decodeMetadata } from './metadata.js';
import { sliceRows, sliceRowsCached, tombstonesOverlapping } from './rows.js';
import { type ScanOptions, scanPartitions } from './scan.js';
import type { SSTableDescriptor } from './writer.js';

export interface ReadPartitionOptions {
  /** Sorted, disjoint clustering slices. */
  slices: ClusteringSlice[];
  reversed: boolean;
}

/** One partition found in an sstable: its partition-level deletions now, its rows on demand. */
export interface SSTablePartition {
  header: PartitionHeader;
  /** Batches of rows within the slices, in the requested direction (one batch per block visited). */
  rowBatches(options: ReadPartitionOptions): AsyncGenerator<Row[]>;
}

export interface OpenSSTableOptions {
  /** Shared cache of verified blocks; a private one of the default size when absent. */
  blockCache?: BlockCache;
  /** Shared cache of partition index entries by token (Cassandra's key cache); none when absent. */
  keyCache?: BlockCache;
}

/** About what a cached index entry costs: the entry and its positions, the key buffer, the cache slot. */
const keyCacheEntryBytes = 320;

/** An estimate of a decoded block's memory: its bytes on disk plus object overhead per unit. */
function decodedBytes(payloadBytes: number, unitCount: number): number {
  return payloadBytes * 2 + unitCount * 64;
}

export class SSTableReader {
  private closed = false;
  private readonly disk: Disk;
  private readonly file: DiskFile;
  /** This sstable's blocks in the shared block cache, by file offset. */
  private readonly blocks: CacheSegment<number>;
  /**
   * This sstable's partition index entries in the shared key cache, by the token as a double
   * (a Map hashes a BigInt key far more slowly; tokens that round alike only share a slot, as
   * the entry's key is checked).
   */
  private readonly keys: CacheSegment<number> | null;

  private constructor(
    readonly descriptor: SSTableDescriptor,
    private readonly state: { disk: Disk; file: DiskFile; footer: Footer; summary: SummaryEntry[]; bloom: BloomFilter; caches: OpenSSTableOptions },
  ) {
    this.disk = state.disk;
    this.file = state.file;
    this.blocks = (state.caches.blockCache ?? new BlockCache()).segment<number>();
    this.keys = state.caches.keyCache?.segment<number>() ?? null;
  }

  static async open(disk: Disk, target: SSTableDescriptor | string, options: OpenSSTableOptions = {}): Promise<SSTableReader> {
    const path = typeof target === 'string' ? target : target.path;
    const file = await disk.openRead(path);
    try {
      const sizeBytes = file.size();
      if (sizeBytes < FOOTER_BYTES) throw new CorruptionError(path, 0, `file of ${sizeBytes} bytes is shorter than a footer`);
      const footerOffset = sizeBytes - FOOTER_BYTES;
      const footer = decodeFooter(await file.read(footerOffset, FOOTER_BYTES), { path, offset: footerOffset });
      const metadataPayload = await readVerified(file, { ...footer.metadata, kind: BlockKind.Metadata });
      const metadata = decodeMetadata(metadataPayload, { path, offset: footer.metadata.offset });
      checkIdentity(metadata, target);
      const summaryPayload = await readVerified(file, { ...footer.summary, kind: BlockKind.Summary });
      const summary = decodeSummary(new ByteReader(summaryPayload, { path, offset: footer.summary.offset }));
      const bloomPayload = await readVerified(file, { ...footer.bloom, kind: BlockKind.Bloom });
      const bloom = BloomFilter.decode(new ByteReader(bloomPayload, { path, offset: footer.bloom.offset }));
      const directory = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      const descriptor: SSTableDescriptor = { directory, generation: metadata.generation, path, tableId: metadata.tableId, sizeBytes, metadata };
      return new SSTableReader(descriptor, { disk, file, footer, summary, bloom, caches: options });
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  get path(): string {
    return this.descriptor.path;
  }

  get generation(): number {
    return this.descriptor.generation;
  }

  get sizeBytes(): number {
    return this.descriptor.sizeBytes;
  }

  /** The bloom filter's bytes, held in memory while the sstable is open (Cassandra's BloomFilterDiskSpaceUsed). */
  get bloomFilterBytes(): number {
    return this.state.bloom.sizeBytes;
  }

  get metadata(): SSTableMetadata {
    return this.descriptor.metadata;
  }

  get minToken(): bigint {
    return this.metadata.minToken;
  }

  get maxToken(): bigint {
    return this.metadata.maxToken;
  }

  get minTimestampMicros(): number {
    return this.metadata.minTimestampMicros;
  }

  get maxTimestampMicros(): number {
    return this.metadata.maxTimestampMicros;
  }

  /** End of the data region: data, row index and partition index blocks all lie before it. */
  private get dataEnd(): number {
    return this.state.footer.summary.offset;
  }

  /** False when the sstable certainly lacks the partition (token bounds, then bloom filter). */
  mayContain(key: Buffer, token: bigint): boolean {
    void key;
    if (token < this.metadata.minToken || token > this.metadata.maxToken) return false;
    return this.state.bloom.mayContain(token);
  }

  private checkBlock(position: BlockPosition): void {
    if (!(!this.closed)) fail(`read from closed sstable ${this.path}`);
    if (position.offset + position.length > this.dataEnd) {
      throw new CorruptionError(this.path, position.offset, `block of ${position.length} bytes beyond the data region`);
    }
  }

  private async readBlock(position: BlockPosition, kind: BlockKind): Promise<Buffer> {
    this.checkBlock(position);
    return readVerified(this.file, { ...position, kind });
  }

  /** The block read on this thread when the disk allows it (DiskFile.readNow), else undefined. */
  private readBlockNow(position: BlockPosition, kind: BlockKind): Buffer | undefined {
    this.checkBlock(position);
    const block = this.file.readNow(position.offset, position.length);
    return block === undefined ? undefined : decodeBlock(block, kind, { path: this.path, offset: position.offset });
  }

  private async cached<T>(position: BlockPosition, how: { kind: BlockKind; decode: (payload: Buffer) => { value: T; bytes: number } }): Promise<T> {
    const hit = this.blocks.get(position.offset);
    if (hit !== undefined) return hit as T;
    const decoded = how.decode(this.readBlockNow(position, how.kind) ?? await this.readBlock(position, how.kind));
    if (!this.closed) this.blocks.set(position.offset, decoded);
    return decoded.value;
  }

  /** A data block, indexed by unit and decoded on demand (cached). */
  readonly loadDataBlock = async (position: BlockPosition): Promise<DataBlock> =>
    this.cached(position, { kind: BlockKind.Data, decode: (payload) => {
      const block = DataBlock.index(payload, { path: this.path, offset: position.offset + BLOCK_HEADER_BYTES });
      return { value: block, bytes: block.costBytes };
    } });

  private async loadIndexBlock(position: BlockPosition): Promise<PartitionIndexBlock> {
    return this.cached(position, { kind: BlockKind.PartitionIndex, decode: (payload) => {
      const block = PartitionIndexBlock.index(payload, { path: this.path, offset: position.offset + BLOCK_HEADER_BYTES });
      return { value: block, bytes: block.costBytes };
    } });
  }

  private async loadRowIndex(position: BlockPosition): Promise<RowIndex> {
    return this.cached(position, { kind: BlockKind.RowIndex, decode: (payload) => {
      const index = decodeRowIndex(new ByteReader(payload, { path: this.path, offset: position.offset + BLOCK_HEADER_BYTES }));
      return { value: index, bytes: decodedBytes(payload.length, index.entries.length) };
    } });
  }

  /** The summary entry whose index block may hold `position` (the last one starting at or before it). */
  private summaryIndexFor(target: { token: bigint; key: Buffer }): number {
    const summary = this.state.summary;
    let low = 0;
    let high = summary.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comparePartitionOrder(summary[middle] as SummaryEntry, target) <= 0) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }

  /** The partition index entry of a key, or null when the sstable does not hold it. */
  async findPartition(key: Buffer, token: bigint): Promise<PartitionIndexEntry | null> {
    const cached = this.keys?.get(Number(token)) as PartitionIndexEntry | undefined;
    if (cached !== undefined && cached.key.equals(key)) return cached;
    const target = { token, key };
    const summaryIndex = this.summaryIndexFor(target);
    if (summaryIndex < 0) return null;
    const block = await this.loadIndexBlock((this.state.summary[summaryIndex] as SummaryEntry).indexBlock);
    const entry = block.find(target);
    if (entry !== null && !this.closed) this.keys?.set(Number(token), { value: entry, bytes: keyCacheEntryBytes + entry.key.length });
    return entry;
  }

  /** The partition index entry from memory only: null when absent, undefined when finding out needs a read. */
  private findPartitionCached(key: Buffer, token: bigint): PartitionIndexEntry | null | undefined {
    const cached = this.keys?.peek(Number(token)) as PartitionIndexEntry | undefined;
    if (cached !== undefined && cached.key.equals(key)) return cached;
    const target = { token, key };
    const summaryIndex = this.summaryIndexFor(target);
    if (summaryIndex < 0) return null;
    const block = this.blocks.peek((this.state.summary[summaryIndex] as SummaryEntry).indexBlock.offset) as PartitionIndexBlock | undefined;
    if (block === undefined) return undefined;
    const entry = block.find(target);
    if (entry !== null && !this.closed) this.keys?.set(Number(token), { value: entry, bytes: keyCacheEntryBytes + entry.key.length });
    return entry;
  }

  private readonly peekDataBlock = (position: BlockPosition): DataBlock | undefined => this.blocks.peek(position.offset) as DataBlock | undefined;

  /**
   * readPartition from the caches alone, with no promise: null when the sstable lacks the
   * partition, undefined when a block it needs is not in memory (then call readPartition).
   */
  readPartitionCached(key: Buffer, token: bigint, options: ReadPartitionOptions): Partition | null | undefined {
    if (this.closed) return undefined;
    if (!this.mayContain(key, token)) return null;
    const entry = this.findPartitionCached(key, token);
    if (entry === null || entry === undefined) return entry;
    let header: PartitionHeader;
    let entries: RowIndexEntry[];
    if (entry.rowIndex !== null) {
      const index = this.blocks.peek(entry.rowIndex.offset) as RowIndex | undefined;
      if (index === undefined) return undefined;
      ({ header, entries } = index);
    } else {
      const units = this.peekDataBlock(entry.start.block);
      if (units === undefined) return undefined;
      ({ header, entries } = this.smallPartition(units, entry));
    }
    if (comparePartitionOrder(header, entry) !== 0) {
      throw new CorruptionError(this.path, entry.start.block.offset, 'partition index and data disagree on the key');
    }
    const rows = sliceRowsCached({ path: this.path, entries, peek: this.peekDataBlock }, options);
    if (rows === undefined) return undefined;
    if (options.reversed) rows.reverse();
    return {
      key: header.key, token: header.token, partitionDeletion: header.partitionDeletion,
      rangeTombstones: tombstonesOverlapping(header.rangeTombstones, options.slices), rows,
    };
  }

  /** The header and single row-index entry of a partition without a row index (it starts in one data block). */
  private smallPartition(units: DataBlock, entry: PartitionIndexEntry): { header: PartitionHeader; entries: RowIndexEntry[] } {
    if (units.kindAt(entry.start.unitIndex) !== UnitKind.PartitionStart) {
      throw new CorruptionError(this.path, entry.start.block.offset, `index points at unit ${entry.start.unitIndex}, not a partition start`);
    }
    const header = units.partitionHeaderAt(entry.start.unitIndex);
    const firstRow = { block: entry.start.block, unitIndex: entry.start.unitIndex + 1 };
    const entries = units.kindAt(firstRow.unitIndex) === UnitKind.Row
      ? [{ firstClustering: Buffer.from(units.clusteringViewAt(firstRow.unitIndex)), start: firstRow }]
      : [];
    return { header, entries };
  }

  /** Finds a partition: its header, and a way to read its rows by slices. Null when absent. */
  async openPartition(key: Buffer, token: bigint): Promise<SSTablePartition | null> {
    if (!this.mayContain(key, token)) return null;
    const entry = await this.findPartition(key, token);
    if (entry === null) return null;
    let header: PartitionHeader;
    let entries: RowIndexEntry[];
    if (entry.rowIndex !== null) {
      ({ header, entries } = await this.loadRowIndex(entry.rowIndex));
    } else {
      ({ header, entries } = this.smallPartition(await this.loadDataBlock(entry.start.block), entry));
    }
    if (comparePartitionOrder(header, entry) !== 0) {
      throw new CorruptionError(this.path, entry.start.block.offset, 'partition index and data disagree on the key');
    }
    const source = { path: this.path, entries, load: this.loadDataBlock };
    return { header, rowBatches: (options) => sliceRows(source, options) };
  }

  /**
   * The partition's unfiltered contents within the slices: partition deletion, the range
   * tombstones overlapping the slices, and the rows in ascending clustering order (whatever
   * `reversed` says; it only changes which blocks are read first). Null when absent.
   */
  async readPartition(key: Buffer, token: bigint, options: ReadPartitionOptions): Promise<Partition | null> {
    const found = await this.openPartition(key, token);
    if (found === null) return null;
    const batches: Row[][] = [];
    for await (const batch of found.rowBatches(options)) batches.push(batch);
    if (options.reversed) {
      batches.reverse();
      for (const batch of batches) batch.reverse();
    }
    const { header } = found;
    return {
      key: header.key,
      token: header.token,
      partitionDeletion: header.partitionDeletion,
      rangeTombstones: tombstonesOverlapping(header.rangeTombstones, options.slices),
      rows: batches.flat(),
    };
  }

  /**
   * The partition within ascending slices, with at most about `rowsMax` rows: the rows are read
   * block by block in clustering order and the read stops once it has that many. `truncated`
   * says whether it stopped early (there may be rows after the last one returned). A page of a
   * big partition reads its own rows, not the rest of the partition. Null when absent.
   */
  async readPartitionHead(key: Buffer, token: bigint, slices: ClusteringSlice[], rowsMax: number): Promise<{ partition: Partition; truncated: boolean } | null> {
    const found = await this.openPartition(key, token);
    if (found === null) return null;
    const rows: Row[] = [];
    let truncated = false;
    for await (const batch of found.rowBatches({ slices, reversed: false })) {
      rows.push(...batch);
      if (rows.length >= rowsMax) {
        truncated = true;
        break;
      }
    }
    const { header } = found;
    return {
      partition: { key: header.key, token: header.token, partitionDeletion: header.partitionDeletion, rangeTombstones: tombstonesOverlapping(header.rangeTombstones, slices), rows },
      truncated,
    };
  }

  /** The first partition index entry after `start` (start < entry), or null. */
  private async firstEntryAfter(start: PartitionPosition): Promise<PartitionIndexEntry | null> {
    const summary = this.state.summary;
    const after = (entry: { token: bigint; key: Buffer }) => comparePositions(entry, start) > 0;
    let low = 0;
    let high = summary.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (after(summary[middle] as SummaryEntry)) high = middle;
      else low = middle + 1;
    }
    // Blocks before `low` start at or before `start`; the answer is in block low-1 or starts block low.
    for (let block = Math.max(0, low - 1); block < summary.length && block <= low; block++) {
      const found = (await this.loadIndexBlock((summary[block] as SummaryEntry).indexBlock)).firstAfter(start);
      if (found !== null) return found;
    }
    return null;
  }

  /**
   * Partitions with start < position <= end in (token, key) order, rows ascending and
   * unfiltered. A position without a key sorts before every key of its token; an `end` of
   * MIN_TOKEN without a key means the end of the ring (Cassandra's convention for (x, min]).
   * Scans bypass the block cache (they would only flush it). With `bound.rowsMax`, partitions
   * come with their first rows only and `bound.truncated` names those cut (scanPartitions).
   */
  async *scan(start: PartitionPosition, end: PartitionPosition, bound: Pick<ScanOptions, 'rowsMax' | 'truncated'> = {}): AsyncGenerator<Partition> {
    const first = await this.firstEntryAfter(start);
    if (first === null) return;
    yield* scanPartitions({ path: this.path, file: this.file, dataEnd: this.dataEnd, from: first.start, end, isClosed: () => this.closed, ...bound });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.blocks.clear();
    this.keys?.clear();
    await this.file.close();
  }

  /** Closes the reader and removes its file (after compaction replaced it). */
  async delete(): Promise<void> {
    await this.close();
    await this.disk.remove(this.path);
    await this.disk.syncDirectory(this.descriptor.directory);
  }
}

/** Compares a partition with a position (a bare token sorts before every key of that token). */
export function comparePositions(partition: { token: bigint; key: Buffer }, position: PartitionPosition): number {
  if (partition.token !== position.token) return partition.token < position.token ? -1 : 1;
  if (position.key === undefined) return 1;
  return Buffer.compare(partition.key, position.key);
}

async function readVerified(file: DiskFile, position: BlockPosition & { kind: BlockKind }): Promise<Buffer> {
  if (position.offset + position.length > file.size()) {
    throw new CorruptionError(file.path, position.offset, `block of ${position.length} bytes beyond the end of the file`);
  }
  const block = await file.read(position.offset, position.length);
  return decodeBlock(block, position.kind, { path: file.path, offset: position.offset });
}

function checkIdentity(metadata: SSTableMetadata, target: SSTableDescriptor | string): void {
  const path = typeof target === 'string' ? target : target.path;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const generation = parseSSTableFileName(name);
  if (generation !== null && generation !== metadata.generation) {
    throw new CorruptionError(path, 0, `file name says generation ${generation}, metadata says ${metadata.generation}`);
  }
  if (typeof target !== 'string' && target.tableId !== metadata.tableId) {
    throw new CorruptionError(path, 0, `sstable of table ${metadata.tableId} where ${target.tableId} was expected`);
  }
}

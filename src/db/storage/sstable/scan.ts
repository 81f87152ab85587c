// Sequential reading of the data region for scans and compaction: starting at one partition,
// walks the blocks in file order, skips index blocks, and assembles whole partitions until the
// end position. Blocks are verified like any other read; the block cache is not used.

import { fail } from '../../common/assert.js';
import { CorruptionError } from '../../common/errors.js';
import type { DiskFile } from '../../common/world.js';
import { MIN_TOKEN, type Partition, type PartitionPosition } from '../types.js';
import { ByteReader } from './bytes.js';
import { type Unit, type UnitPosition, readUnits } from './codec.js';
import { BLOCK_HEADER_BYTES, BlockKind, UnitKind, decodeBlock, decodeBlockHeader } from './format.js';

export interface ScanOptions {
  path: string;
  file: DiskFile;
  /** End of the data region. */
  dataEnd: number;
  /** The PARTITION_START unit of the first partition to return. */
  from: UnitPosition;
  end: PartitionPosition;
  isClosed: () => boolean;
  /**
   * Rows kept per partition (a range read's page): rows after them are decoded but dropped, and
   * `truncated` is told of the partition, so that a partition of millions of rows met by a range
   * read is not held whole. Absent: whole partitions (compaction, streaming, repair).
   */
  rowsMax?: number;
  truncated?: (partition: Partition) => void;
}

function beyondEnd(partition: { token: bigint; key: Buffer }, end: PartitionPosition): boolean {
  if (end.key === undefined && end.token === MIN_TOKEN) return false;
  if (partition.token !== end.token) return partition.token > end.token;
  // A bare end token sorts before every key of that token, so such keys are beyond it.
  return end.key === undefined || Buffer.compare(partition.key, end.key) > 0;
}

/** Bytes read at once by a scan: several blocks per disk read (sequential reading). */
const scanReadAheadBytes = 256 * 1024;

/** Sequential reads of the data region through one read-ahead buffer. */
class ReadAhead {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkOffset = 0;

  constructor(private readonly options: ScanOptions) {}

  async read(offset: number, length: number): Promise<Buffer> {
    const start = offset - this.chunkOffset;
    if (start < 0 || start + length > this.chunk.length) {
      const wanted = Math.max(length, Math.min(scanReadAheadBytes, this.options.dataEnd - offset));
      this.chunk = await this.options.file.read(offset, wanted);
      this.chunkOffset = offset;
      return this.chunk.subarray(0, length);
    }
    return this.chunk.subarray(start, start + length);
  }
}

/** Data blocks in file order from `offset` (index blocks skipped), decoded. */
async function* dataBlocks(options: ScanOptions, offset: number): AsyncGenerator<{ offset: number; units: Unit[] }> {
  const input = new ReadAhead(options);
  let at = offset;
  while (at < options.dataEnd) {
    if (!(!options.isClosed())) fail(`scan of closed sstable ${options.path}`);
    if (at + BLOCK_HEADER_BYTES > options.dataEnd) throw new CorruptionError(options.path, at, 'truncated block header');
    const header = decodeBlockHeader(await input.read(at, BLOCK_HEADER_BYTES), { path: options.path, offset: at, regionEnd: options.dataEnd });
    if (header.kind === BlockKind.Data) {
      const payload = decodeBlock(await input.read(at, header.length), BlockKind.Data, { path: options.path, offset: at });
      yield { offset: at, units: readUnits(new ByteReader(payload, { path: options.path, offset: at + BLOCK_HEADER_BYTES })) };
    }
    at += header.length;
  }
}

/** Whole partitions (or their first options.rowsMax rows) from options.from up to options.end (inclusive), in file order. */
export async function* scanPartitions(options: ScanOptions): AsyncGenerator<Partition> {
  let current: Partition | null = null;
  let dropped = false;
  const rowsMax = options.rowsMax ?? Number.POSITIVE_INFINITY;
  let skip = options.from.unitIndex;
  for await (const block of dataBlocks(options, options.from.block.offset)) {
    const corrupt = (detail: string) => new CorruptionError(options.path, block.offset, detail);
    for (let index = skip; index < block.units.length; index++) {
      const unit = block.units[index] as Unit;
      if (unit.kind === UnitKind.PartitionStart) {
        if (current !== null) throw corrupt(`partition start inside a partition (unit ${index})`);
        if (beyondEnd(unit.header, options.end)) return;
        current = { ...unit.header, rows: [] };
        dropped = false;
      } else if (unit.kind === UnitKind.Row) {
        if (current === null) throw corrupt(`row outside a partition (unit ${index})`);
        if (current.rows.length < rowsMax) current.rows.push(unit.row);
        else dropped = true;
      } else {
        if (current === null) throw corrupt(`partition end outside a partition (unit ${index})`);
        if (dropped) options.truncated?.(current);
        yield current;
        current = null;
      }
    }
    skip = 0;
  }
  if (current !== null) throw new CorruptionError(options.path, options.dataEnd, 'data region ends inside a partition');
}

// The sstable file format (version 2; version 1 lacked the commit log bound in METADATA and
// is still read).
//
// One file per sstable generation, `sstable-<generation>.db`, rather than Cassandra's set of
// component files: a single rename publishes the whole sstable atomically, a crash can leave
// only a `.tmp` file (never a half-published set of components), and a reader holds one file.
// The file is a sequence of checksummed blocks, written strictly append-only:
//
//   block  := kind u8 | payloadLength u32 | payload | crc32(kind, length, payload) u32
//
//   DATA blocks (~blockBytes each) hold a stream of units: PARTITION_START (key, token,
//     partition deletion, range tombstones), ROW, PARTITION_END. A block ends between units,
//     so every block decodes on its own; a partition may continue over several blocks.
//   ROW_INDEX blocks follow a partition that spans several data blocks: its deletion and range
//     tombstones plus, for each data block holding its rows, the first clustering key and the
//     block's position, so a clustering slice or a reversed read seeks to the right block.
//   PARTITION_INDEX blocks (~blockBytes each) list (token, key) -> position of PARTITION_START
//     and of the partition's ROW_INDEX block. They are interleaved with the data blocks
//     (written once full) so the writer streams with bounded memory.
//   One SUMMARY block: the first (token, key) of every PARTITION_INDEX block (the sparse index
//     a reader keeps in memory; the full index stays on disk).
//   One BLOOM block: the bloom filter over partition tokens.
//   One METADATA block: counts, token and timestamp bounds, format version, and (version 2)
//     the commit log position below which replay may skip entries.
//   FOOTER (fixed size, last bytes of the file): magic, version, positions of the summary,
//     bloom and metadata blocks, crc32 of the footer. Everything before the summary block is
//     the data region (data, row index and partition index blocks).
//
// Integers are big-endian. Timestamps are written as doubles (exact for JS safe integers).

import { crc32 } from 'node:zlib';
import { assert, fail } from '../../common/assert.js';
import { CorruptionError } from '../../common/errors.js';
import { sstableBlockBytesMax } from '../../common/limits.js';

export const FORMAT_VERSION = 2;
/** The oldest version still read (version 1: no commit log bound in the metadata). */
export const FORMAT_VERSION_MIN = 1;
/** "AROSST01": identifies the footer. */
export const FOOTER_MAGIC = Buffer.from('AROSST01', 'ascii');

export const BlockKind = {
  Data: 1,
  RowIndex: 2,
  PartitionIndex: 3,
  Summary: 4,
  Bloom: 5,
  Metadata: 6,
} as const;
export type BlockKind = (typeof BlockKind)[keyof typeof BlockKind];

export const UnitKind = {
  PartitionStart: 1,
  Row: 2,
  PartitionEnd: 3,
} as const;

function checkDistinct(table: Record<string, number>, what: string): void {
  const seen = new Set<number>();
  for (const [name, id] of Object.entries(table)) {
    if (seen.has(id)) throw new Error(`duplicate ${what} id for ${name}`);
    seen.add(id);
  }
}
checkDistinct(BlockKind, 'block kind');
checkDistinct(UnitKind, 'unit kind');

const knownBlockKinds = new Set<number>(Object.values(BlockKind));

export const BLOCK_HEADER_BYTES = 5;
export const BLOCK_TRAILER_BYTES = 4;
export const BLOCK_OVERHEAD_BYTES = BLOCK_HEADER_BYTES + BLOCK_TRAILER_BYTES;

/** Where a block is: its offset in the file and its total length (header and trailer included). */
export interface BlockPosition {
  offset: number;
  length: number;
}

/** Frames a payload as a block (header, payload, checksum). */
export function encodeBlock(kind: BlockKind, payload: Uint8Array): Buffer {
  if (!(payload.length <= sstableBlockBytesMax)) fail(`block payload of ${payload.length} bytes above the maximum`);
  const block = Buffer.allocUnsafe(BLOCK_OVERHEAD_BYTES + payload.length);
  block[0] = kind;
  block.writeUInt32BE(payload.length, 1);
  block.set(payload, BLOCK_HEADER_BYTES);
  const checksum = crc32(block.subarray(0, BLOCK_HEADER_BYTES + payload.length));
  block.writeUInt32BE(checksum, BLOCK_HEADER_BYTES + payload.length);
  return block;
}

/** The payload length a block header announces, checked against the bound and the region. */
export function decodeBlockHeader(header: Buffer, options: { path: string; offset: number; regionEnd: number }): { kind: number; length: number } {
  assert(header.length >= BLOCK_HEADER_BYTES, 'short block header buffer');
  const kind = header[0] as number;
  const payloadLength = header.readUInt32BE(1);
  if (!knownBlockKinds.has(kind)) throw new CorruptionError(options.path, options.offset, `unknown block kind ${kind}`);
  const length = BLOCK_OVERHEAD_BYTES + payloadLength;
  if (payloadLength > sstableBlockBytesMax || options.offset + length > options.regionEnd) {
    throw new CorruptionError(options.path, options.offset, `block length ${payloadLength} out of bounds`);
  }
  return { kind, length };
}

/** Verifies a whole block read from disk and returns its payload (a view into `block`). */
export function decodeBlock(block: Buffer, expectedKind: BlockKind, options: { path: string; offset: number }): Buffer {
  if (block.length < BLOCK_OVERHEAD_BYTES) throw new CorruptionError(options.path, options.offset, 'block shorter than its framing');
  const payloadLength = block.readUInt32BE(1);
  if (payloadLength + BLOCK_OVERHEAD_BYTES !== block.length) {
    throw new CorruptionError(options.path, options.offset, `block length ${payloadLength} does not match its position (${block.length} bytes)`);
  }
  const stored = block.readUInt32BE(block.length - BLOCK_TRAILER_BYTES);
  const computed = crc32(block.subarray(0, block.length - BLOCK_TRAILER_BYTES));
  if (stored !== computed) throw new CorruptionError(options.path, options.offset, 'block checksum mismatch');
  if (block[0] !== expectedKind) throw new CorruptionError(options.path, options.offset, `block kind ${block[0]} where ${expectedKind} was expected`);
  return block.subarray(BLOCK_HEADER_BYTES, block.length - BLOCK_TRAILER_BYTES);
}

/** The fixed-size footer: magic, version, and where the summary, bloom and metadata blocks are. */
export interface Footer {
  version: number;
  summary: BlockPosition;
  bloom: BlockPosition;
  metadata: BlockPosition;
}

export const FOOTER_BYTES = 8 + 2 + 3 * (6 + 4) + 4;

export function encodeFooter(footer: Footer): Buffer {
  const out = Buffer.alloc(FOOTER_BYTES);
  FOOTER_MAGIC.copy(out, 0);
  out.writeUInt16BE(footer.version, 8);
  let at = 10;
  for (const position of [footer.summary, footer.bloom, footer.metadata]) {
    out.writeUIntBE(position.offset, at, 6);
    out.writeUInt32BE(position.length, at + 6);
    at += 10;
  }
  out.writeUInt32BE(crc32(out.subarray(0, at)), at);
  return out;
}

export function decodeFooter(bytes: Buffer, options: { path: string; offset: number }): Footer {
  const corrupt = (detail: string) => new CorruptionError(options.path, options.offset, detail);
  if (bytes.length !== FOOTER_BYTES) throw corrupt('short footer');
  if (!bytes.subarray(0, 8).equals(FOOTER_MAGIC)) throw corrupt('bad footer magic');
  if (bytes.readUInt32BE(FOOTER_BYTES - 4) !== crc32(bytes.subarray(0, FOOTER_BYTES - 4))) throw corrupt('footer checksum mismatch');
  const version = bytes.readUInt16BE(8);
  if (version < FORMAT_VERSION_MIN || version > FORMAT_VERSION) throw corrupt(`unsupported format version ${version}`);
  const positions: BlockPosition[] = [];
  for (let at = 10; at < FOOTER_BYTES - 4; at += 10) {
    const position = { offset: bytes.readUIntBE(at, 6), length: bytes.readUInt32BE(at + 6) };
    if (position.length < BLOCK_OVERHEAD_BYTES || position.offset + position.length > options.offset) throw corrupt('footer block position out of bounds');
    positions.push(position);
  }
  const [summary, bloom, metadata] = positions as [BlockPosition, BlockPosition, BlockPosition];
  return { version, summary, bloom, metadata };
}

// File names. The generation is a positive integer unique within the table's directory.

const FILE_PREFIX = 'sstable-';
const FILE_SUFFIX = '.db';
const TEMPORARY_SUFFIX = '.tmp';
const FINAL_NAME = /^sstable-([1-9][0-9]{0,14})\.db$/;
const TEMPORARY_NAME = /^sstable-[0-9]+\.db\.tmp$/;

export function sstableFileName(generation: number): string {
  if (!(Number.isSafeInteger(generation) && generation > 0)) fail(`bad sstable generation ${generation}`);
  return `${FILE_PREFIX}${generation}${FILE_SUFFIX}`;
}

export function temporarySSTableFileName(generation: number): string {
  return sstableFileName(generation) + TEMPORARY_SUFFIX;
}

/** Whether a directory entry is an unfinished sstable write (deleted by the engine at open). */
export function isTemporarySSTableFile(name: string): boolean {
  return TEMPORARY_NAME.test(name);
}

/** The generation of a published sstable file name, or null for any other name. */
export function parseSSTableFileName(name: string): number | null {
  const match = FINAL_NAME.exec(name);
  return match === null ? null : Number(match[1]);
}

export function joinPath(directory: string, name: string): string {
  return directory === '' ? name : `${directory.replace(/\/+$/, '')}/${name}`;
}

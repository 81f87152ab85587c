// The commit log's on-disk format (pure encode/decode; commit-log.ts does the I/O).
//
//   segment := header entry*
//   header  := magic "AROCLOG1" (8 bytes) | segment id (u64)
//   entry   := payload length (u32) | crc32(payload) (u32) | payload
//   payload := a batch of serialized mutations (mutation-serializer.ts), applied atomically
//
// A crash can tear the last entry of the last segment written; a failed append (disk full)
// can leave a partial entry at the end of a segment, after which the log moves to a new
// segment. Reading stops at the first entry whose length or checksum does not hold.

import { crc32 } from 'node:zlib';
import { CorruptionError } from '../../common/errors.js';
import { commitLogEntryBytesMax as entryPayloadBytesMax } from '../../common/limits.js';

export const SEGMENT_MAGIC = Buffer.from('AROCLOG1', 'ascii');
export const SEGMENT_HEADER_BYTES = 16;
export const ENTRY_HEADER_BYTES = 8;

const SEGMENT_NAME = /^commitlog-([0-9]{16})\.log$/;

export function segmentFileName(id: number): string {
  return `commitlog-${String(id).padStart(16, '0')}.log`;
}

export function parseSegmentFileName(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  return match === null ? null : Number(match[1]);
}

export function encodeSegmentHeader(id: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeBigUInt64BE(BigInt(id), 8);
  return header;
}

export function encodeEntry(payload: Buffer): Buffer {
  const entry = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + payload.length);
  entry.writeUInt32BE(payload.length, 0);
  entry.writeUInt32BE(crc32(payload), 4);
  payload.copy(entry, ENTRY_HEADER_BYTES);
  return entry;
}

export interface SegmentEntry {
  /** Offset of the entry's payload in the segment. */
  offset: number;
  payload: Buffer;
}

export interface ReadSegmentResult {
  entries: SegmentEntry[];
  /** Set when reading stopped before the end of the file: why and where. */
  corruption: CorruptionError | null;
}

/**
 * Splits a segment's bytes into entries, stopping at the first one that is torn (length past
 * the end) or corrupt (bad checksum). An empty file or a torn header (a crash right after
 * creation) holds no entries and is not an error.
 */
export function readSegment(bytes: Buffer, options: { path: string; id: number }): ReadSegmentResult {
  const entries: SegmentEntry[] = [];
  if (bytes.length < SEGMENT_HEADER_BYTES) {
    const torn = bytes.length > 0 && !SEGMENT_MAGIC.subarray(0, bytes.length).equals(bytes);
    return { entries, corruption: torn ? new CorruptionError(options.path, 0, 'bad segment header') : null };
  }
  if (!bytes.subarray(0, 8).equals(SEGMENT_MAGIC)) return { entries, corruption: new CorruptionError(options.path, 0, 'bad segment magic') };
  const id = bytes.readBigUInt64BE(8);
  if (id !== BigInt(options.id)) return { entries, corruption: new CorruptionError(options.path, 8, `segment id ${id} does not match its name`) };
  let offset = SEGMENT_HEADER_BYTES;
  while (offset < bytes.length) {
    const left = bytes.length - offset;
    if (left < ENTRY_HEADER_BYTES) return { entries, corruption: new CorruptionError(options.path, offset, `torn entry header (${left} bytes)`) };
    const length = bytes.readUInt32BE(offset);
    const checksum = bytes.readUInt32BE(offset + 4);
    if (length > entryPayloadBytesMax) return { entries, corruption: new CorruptionError(options.path, offset, `entry length ${length} too large`) };
    if (length > left - ENTRY_HEADER_BYTES) {
      return { entries, corruption: new CorruptionError(options.path, offset, `torn entry: length ${length}, ${left - ENTRY_HEADER_BYTES} bytes left`) };
    }
    const payload = bytes.subarray(offset + ENTRY_HEADER_BYTES, offset + ENTRY_HEADER_BYTES + length);
    if (crc32(payload) !== checksum) return { entries, corruption: new CorruptionError(options.path, offset, 'entry checksum mismatch') };
    entries.push({ offset: offset + ENTRY_HEADER_BYTES, payload });
    offset += ENTRY_HEADER_BYTES + length;
  }
  return { entries, corruption: null };
}

// Repair's internode payloads (kept apart from messaging/payloads.ts):
//   VALIDATION_REQ := tableId utf8 | left i64 | right i64 | depth u8
//   VALIDATION_RSP := depth u8 | 2^depth leaf hashes (merkle-tree.ts)
//   SYNC_REQ       := tableId utf8 | after position | end position    (a page of partitions to pull)
//   SYNC_RSP       := more u8 | count u32 | partitions (the mutation serializer's layout)
//   SYNC_PUSH      := a mutation batch (storage's layout), applied as ordinary writes
//   position       := token i64 | hasKey u8 | [key u16-prefixed]

import { assert } from '../../common/assert.js';
import { partitionKeyBytesMax, tableIdBytesMax } from '../../common/limits.js';
import type { TokenRange } from '../../dht/token.js';
import { ByteReader, ByteWriter, readPartition, writePartition } from '../../storage/mutation-serializer.js';
import type { Partition, PartitionPosition } from '../../storage/types.js';
import { merkleDepthMax } from './merkle-tree.js';

export interface ValidationRequest {
  tableId: string;
  range: TokenRange;
  depth: number;
}

export interface SyncRequest {
  tableId: string;
  /** Exclusive: the page starts after this position. */
  after: PartitionPosition;
  /** Inclusive end; a bare MIN_TOKEN is the end of the ring. */
  end: PartitionPosition;
}

export interface SyncResponse {
  /** Whether partitions remain after the last one sent. */
  more: boolean;
  partitions: Partition[];
}

function writeText(writer: ByteWriter, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  assert(bytes.length <= tableIdBytesMax, 'table id too long');
  writer.u16(bytes.length);
  writer.bytes(bytes);
}

function writePosition(writer: ByteWriter, position: PartitionPosition): void {
  writer.i64(position.token);
  writer.u8(position.key === undefined ? 0 : 1);
  if (position.key === undefined) return;
  writer.u16(position.key.length);
  writer.bytes(position.key);
}

function readPosition(reader: ByteReader): PartitionPosition {
  const token = reader.i64Bigint('position token');
  const hasKey = reader.u8('position key flag');
  if (hasKey > 1) throw reader.corrupt(`bad position key flag ${hasKey}`);
  return hasKey === 0 ? { token } : { token, key: reader.lengthPrefixed(2, partitionKeyBytesMax, 'position key') };
}

function finished<T>(reader: ByteReader, value: T): T {
  if (reader.remaining() !== 0) throw reader.corrupt(`${reader.remaining()} trailing bytes`);
  return value;
}

export function encodeValidationRequest(request: ValidationRequest): Buffer {
  const writer = new ByteWriter();
  writeText(writer, request.tableId);
  writer.i64(request.range.left);
  writer.i64(request.range.right);
  writer.u8(request.depth);
  return writer.finish();
}

export function decodeValidationRequest(payload: Buffer, source: string): ValidationRequest {
  const reader = new ByteReader(payload, source, 0);
  const tableId = reader.utf8(tableIdBytesMax, 'table id');
  const range = { left: reader.i64Bigint('range left'), right: reader.i64Bigint('range right') };
  const depth = reader.u8('depth');
  if (depth > merkleDepthMax) throw reader.corrupt(`merkle depth ${depth} exceeds ${merkleDepthMax}`);
  return finished(reader, { tableId, range, depth });
}

export function encodeSyncRequest(request: SyncRequest): Buffer {
  const writer = new ByteWriter();
  writeText(writer, request.tableId);
  writePosition(writer, request.after);
  writePosition(writer, request.end);
  return writer.finish();
}

export function decodeSyncRequest(payload: Buffer, source: string): SyncRequest {
  const reader = new ByteReader(payload, source, 0);
  const tableId = reader.utf8(tableIdBytesMax, 'table id');
  const after = readPosition(reader);
  return finished(reader, { tableId, after, end: readPosition(reader) });
}

/** Writes the response head; partitions follow one at a time (appendPartition) to bound the page by its bytes. */
export class SyncResponseWriter {
  private readonly writer = new ByteWriter();
  count = 0;

  constructor() {
    this.writer.u8(0);
    this.writer.u32(0);
  }

  get bytes(): number {
    return this.writer.length;
  }

  append(partition: Partition): void {
    writePartition(this.writer, partition);
    this.count++;
  }

  finish(more: boolean): Buffer {
    const out = this.writer.finish();
    out.writeUInt8(more ? 1 : 0, 0);
    out.writeUInt32BE(this.count, 1);
    return out;
  }
}

export function decodeSyncResponse(payload: Buffer, source: string): SyncResponse {
  const reader = new ByteReader(payload, source, 0);
  const more = reader.u8('more flag');
  if (more > 1) throw reader.corrupt(`bad more flag ${more}`);
  const count = reader.u32('partition count');
  if (count > reader.remaining()) throw reader.corrupt(`partition count ${count} exceeds the data`);
  const partitions: Partition[] = [];
  for (let i = 0; i < count; i++) partitions.push(readPartition(reader));
  return finished(reader, { more: more === 1, partitions });
}

// Paging state: where the next page of a SELECT resumes. Opaque to clients; a version byte
// and bounds checks make a forged or corrupt state an Invalid error, never a crash.
//
// Layout: [version=1][flags][partition key: u32 length + bytes][clustering: u32 length + bytes]
//         [rows remaining under LIMIT: u32][rows remaining in the current partition: u32]
// flags bit 0: the last row returned was the last row of its partition (resume at the next one).

import { invalidRequest } from '../common/errors.js';

const VERSION = 1;
const FLAG_PARTITION_DONE = 0x01;

export interface PagingState {
  /** Partition key of the last row returned. */
  partitionKey: Buffer;
  /** Clustering key of the last row returned (byte-comparable); empty for partition-level resumption. */
  clustering: Buffer;
  /** True when nothing of partitionKey is left to return. */
  partitionDone: boolean;
  /** Rows still allowed by the statement's LIMIT. */
  remaining: number;
  /** Rows still allowed in the current partition by PER PARTITION LIMIT. */
  remainingInPartition: number;
}

export function encodePagingState(state: PagingState): Buffer {
  const size = 2 + 4 + state.partitionKey.length + 4 + state.clustering.length + 8;
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  out.writeUInt8(VERSION, offset++);
  out.writeUInt8(state.partitionDone ? FLAG_PARTITION_DONE : 0, offset++);
  offset = out.writeUInt32BE(state.partitionKey.length, offset);
  offset += state.partitionKey.copy(out, offset);
  offset = out.writeUInt32BE(state.clustering.length, offset);
  offset += state.clustering.copy(out, offset);
  offset = out.writeUInt32BE(Math.min(state.remaining, 0xffffffff), offset);
  out.writeUInt32BE(Math.min(state.remainingInPartition, 0xffffffff), offset);
  return out;
}

export function decodePagingState(bytes: Buffer): PagingState {
  const fail = (why: string) => invalidRequest(`Invalid value for the paging state: ${why}`);
  if (bytes.length < 2 + 4 + 4 + 8) throw fail('too short');
  let offset = 0;
  if (bytes.readUInt8(offset++) !== VERSION) throw fail('unknown version');
  const flags = bytes.readUInt8(offset++);
  if ((flags & ~FLAG_PARTITION_DONE) !== 0) throw fail('unknown flags');
  const keyLength = bytes.readUInt32BE(offset);
  offset += 4;
  if (keyLength > bytes.length - offset - 4 - 8) throw fail('partition key length out of bounds');
  const partitionKey = Buffer.from(bytes.subarray(offset, offset + keyLength));
  offset += keyLength;
  const clusteringLength = bytes.readUInt32BE(offset);
  offset += 4;
  if (clusteringLength !== bytes.length - offset - 8) throw fail('clustering length out of bounds');
  const clustering = Buffer.from(bytes.subarray(offset, offset + clusteringLength));
  offset += clusteringLength;
  const remaining = bytes.readUInt32BE(offset);
  const remainingInPartition = bytes.readUInt32BE(offset + 4);
  return { partitionKey, clustering, partitionDone: (flags & FLAG_PARTITION_DONE) !== 0, remaining, remainingInPartition };
}

// Streaming's internode payloads. A page is checksummed end to end (a CRC32 of the page body,
// checked by the receiver before anything is applied), on top of the frame's own checksum, so
// that a page corrupted anywhere between one node's storage and the other's is refused whole.
//   STREAM_PULL     := tableId utf8 | after position | end position   (repair's SYNC_REQ layout)
//   STREAM_PULL_RSP := crc32 u32 | more u8 | count u32 | partitions   (repair's SYNC_RSP layout)
//   STREAM_PUSH     := crc32 u32 | a mutation batch (storage's layout), applied as ordinary writes
//   STREAM_PUSH_RSP := empty

import { crc32 } from 'node:zlib';
import { CorruptionError } from '../../common/errors.js';
import { decodeMutationBatch } from '../../storage/mutation-serializer.js';
import type { Mutation } from '../../storage/types.js';
import { decodeSyncResponse, type SyncResponse } from '../repair/repair-payloads.js';

export { decodeSyncRequest as decodeStreamPullRequest, encodeSyncRequest as encodeStreamPullRequest } from '../repair/repair-payloads.js';

/** Prefixes a body with its CRC32. */
export function withChecksum(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([head, body]);
}

/** The body after a checked CRC32; a mismatch is corruption, named by source. */
export function checkedBody(payload: Buffer, source: string): Buffer {
  if (payload.length < 4) throw new CorruptionError(source, 0, `stream page of ${payload.length} bytes has no checksum`);
  const body = payload.subarray(4);
  const expected = payload.readUInt32BE(0);
  if (crc32(body) !== expected) throw new CorruptionError(source, 0, 'stream page checksum mismatch');
  return body;
}

export function decodeStreamPullResponse(payload: Buffer, source: string): SyncResponse {
  return decodeSyncResponse(checkedBody(payload, source), source);
}

export function decodeStreamPush(payload: Buffer, source: string): Mutation[] {
  return decodeMutationBatch(checkedBody(payload, source), { source });
}

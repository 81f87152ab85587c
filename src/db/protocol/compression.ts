// Frame-body compression (spec section 5). Only LZ4 is offered: the body is an [int]
// uncompressed length, big-endian, then one raw LZ4 block (lz4.ts).

import { protocolError } from '../common/errors.js';
import { frameBodyBytesMax } from '../common/limits.js';
import { compressBlock, decompressBlock } from './lz4.js';

/** An LZ4 length byte adds at most 255 output bytes per input byte. */
const expansionRatioMax = 255;

export function compressBody(body: Buffer): Buffer {
  const block = compressBlock(body);
  const framed = Buffer.allocUnsafe(4 + block.length);
  framed.writeInt32BE(body.length, 0);
  block.copy(framed, 4);
  return framed;
}

export interface DecompressOptions {
  /** Largest uncompressed body accepted; defaults to frameBodyBytesMax. */
  bodyBytesMax?: number;
}

export function decompressBody(body: Buffer, options: DecompressOptions = {}): Buffer {
  const bodyBytesMax = options.bodyBytesMax ?? frameBodyBytesMax;
  if (body.length < 4) throw protocolError(`Compressed body too short (${body.length} bytes)`);
  const uncompressedBytes = body.readInt32BE(0);
  if (uncompressedBytes < 0) throw protocolError(`Invalid uncompressed length ${uncompressedBytes}`);
  if (uncompressedBytes > bodyBytesMax) {
    throw protocolError(`Uncompressed length ${uncompressedBytes} exceeds the maximum of ${bodyBytesMax}`);
  }
  const block = body.subarray(4);
  // Refuse lengths the block cannot possibly expand to, before allocating for them.
  if (uncompressedBytes > block.length * expansionRatioMax + 16) {
    throw protocolError(`Uncompressed length ${uncompressedBytes} is impossible for ${block.length} compressed bytes`);
  }
  return decompressBlock(block, uncompressedBytes);
}


// The raw LZ4 *block* format, which protocol v4 compresses frame bodies with (compression.ts).
// No maintained npm package offers raw blocks without a native build, so it is written here:
// a greedy single-hash compressor and a decoder that checks every length against both
// buffers, so garbage ends in a ProtocolError, never an overrun or a hang.

import { assert } from '../common/assert.js';
import { protocolError } from '../common/errors.js';

const minMatchBytes = 4;
/** The last match must start at least this far from the end (LZ4 block format rule). */
const matchStartMarginBytes = 12;
/** The last bytes of a block are always literals. */
const lastLiteralsBytes = 5;
const offsetMax = 0xffff;
const hashBits = 16;

export function compressBlock(source: Buffer): Buffer {
  const length = source.length;
  const output = Buffer.allocUnsafe(length + Math.ceil(length / 255) + 16);
  const table = new Int32Array(1 << hashBits).fill(-1);
  let outputOffset = 0;
  let anchor = 0;
  let position = 0;
  const matchStartLimit = length - matchStartMarginBytes;
  while (position < matchStartLimit) {
    const sequence = source.readUInt32LE(position);
    const hash = Math.imul(sequence, 2654435761) >>> (32 - hashBits);
    const candidate = table[hash] ?? -1;
    table[hash] = position;
    if (candidate < 0 || position - candidate > offsetMax || source.readUInt32LE(candidate) !== sequence) {
      position++;
      continue;
    }
    let matchBytes = minMatchBytes;
    const matchEndLimit = length - lastLiteralsBytes;
    while (position + matchBytes < matchEndLimit && source[candidate + matchBytes] === source[position + matchBytes]) {
      matchBytes++;
    }
    const tokenOffset = outputOffset;
    outputOffset = writeLiterals(output, outputOffset, { source, anchor, literalBytes: position - anchor });
    output.writeUInt16LE(position - candidate, outputOffset);
    outputOffset = writeMatchLength(output, { tokenOffset, offset: outputOffset + 2, matchBytes });
    position += matchBytes;
    anchor = position;
  }
  outputOffset = writeLiterals(output, outputOffset, { source, anchor, literalBytes: length - anchor });
  return output.subarray(0, outputOffset);
}

interface Literals {
  source: Buffer;
  anchor: number;
  literalBytes: number;
}

/** Writes a token (match nibble zero: writeMatchLength fills it in) and its literals. */
// eslint-disable-next-line no-restricted-syntax -- hot path: per sequence of every compressed frame, no allocation
function writeLiterals(output: Buffer, offset: number, literals: Literals): number {
  const { source, anchor, literalBytes } = literals;
  output[offset] = Math.min(literalBytes, 15) << 4;
  let next = offset + 1;
  if (literalBytes >= 15) next = writeExtension(output, next, literalBytes - 15);
  source.copy(output, next, anchor, anchor + literalBytes);
  return next + literalBytes;
}

function writeMatchLength(output: Buffer, at: { tokenOffset: number; offset: number; matchBytes: number }): number {
  const code = at.matchBytes - minMatchBytes;
  assert(code >= 0, 'LZ4 matches are at least 4 bytes');
  output[at.tokenOffset] = (output[at.tokenOffset] ?? 0) | Math.min(code, 15);
  return code >= 15 ? writeExtension(output, at.offset, code - 15) : at.offset;
}

// eslint-disable-next-line no-restricted-syntax -- hot path: per sequence of every compressed frame, no allocation
function writeExtension(output: Buffer, offset: number, remainder: number): number {
  let next = offset;
  let rest = remainder;
  while (rest >= 255) {
    output[next++] = 255;
    rest -= 255;
  }
  output[next++] = rest;
  return next;
}

export function decompressBlock(block: Buffer, uncompressedBytes: number): Buffer {
  const output = Buffer.alloc(uncompressedBytes);
  let input = 0;
  let written = 0;
  for (;;) {
    if (input >= block.length) throw protocolError('Corrupt LZ4 block: ended before its last literals');
    const token = block[input++] ?? 0;
    const literals = readLength(block, input, token >>> 4);
    input = literals.offset;
    if (input + literals.length > block.length || written + literals.length > uncompressedBytes) {
      throw protocolError('Corrupt LZ4 block: literals run past the end');
    }
    block.copy(output, written, input, input + literals.length);
    input += literals.length;
    written += literals.length;
    if (input === block.length) break;
    if (input + 2 > block.length) throw protocolError('Corrupt LZ4 block: truncated match offset');
    const matchOffset = block.readUInt16LE(input);
    input += 2;
    if (matchOffset === 0 || matchOffset > written) throw protocolError(`Corrupt LZ4 block: bad match offset ${matchOffset}`);
    const match = readLength(block, input, token & 0x0f);
    input = match.offset;
    const matchBytes = match.length + minMatchBytes;
    if (written + matchBytes > uncompressedBytes) throw protocolError('Corrupt LZ4 block: match runs past the end');
    copyMatch(output, written, matchOffset, matchBytes);
    written += matchBytes;
  }
  if (written !== uncompressedBytes) {
    throw protocolError(`Corrupt LZ4 block: produced ${written} bytes, expected ${uncompressedBytes}`);
  }
  return output;
}

/** A 4-bit length; 15 means more bytes follow, each added, until one below 255. */
// eslint-disable-next-line no-restricted-syntax -- hot path: per sequence of every compressed frame, no allocation
function readLength(block: Buffer, offset: number, nibble: number): { length: number; offset: number } {
  let length = nibble;
  let next = offset;
  if (nibble !== 15) return { length, offset: next };
  for (;;) {
    if (next >= block.length) throw protocolError('Corrupt LZ4 block: truncated length');
    const byte = block[next++] ?? 0;
    length += byte;
    if (byte !== 255) return { length, offset: next };
  }
}

/** Copies a match that may overlap its own output (offset < length repeats a pattern). */
// eslint-disable-next-line no-restricted-syntax -- hot path: per sequence of every compressed frame, no allocation
function copyMatch(output: Buffer, written: number, matchOffset: number, matchBytes: number): void {
  const start = written - matchOffset;
  if (matchOffset >= matchBytes) {
    output.copyWithin(written, start, start + matchBytes);
    return;
  }
  for (let index = 0; index < matchBytes; index++) output[written + index] = output[start + index] ?? 0;
}
